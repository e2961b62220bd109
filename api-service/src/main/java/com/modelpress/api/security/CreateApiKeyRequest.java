package com.modelpress.api.security;

/**
 * Body of {@code POST /api/v1/api-keys}.
 *
 * @param owner whose jobs the key submits and sees: 1 to 64 of {@code A-Z a-z 0-9 . _ @ -}
 * @param scope nullable: {@code user} (default) or {@code admin}
 * @param name  nullable: what the key is for, at most 255 characters
 */
record CreateApiKeyRequest(String owner, ApiKeyScope scope, String name) {
}
