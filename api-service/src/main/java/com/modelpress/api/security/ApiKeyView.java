package com.modelpress.api.security;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * An API key as the API shows it: never the secret, except once in the answer to its creation.
 *
 * @param prefix    {@code mp_<id>}, the public beginning of the key, to recognise it
 * @param name      nullable: what the key is for
 * @param revokedAt nullable: when the key was revoked
 * @param key       the whole key, only in the {@code 201} answer that created it; absent everywhere else
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ApiKeyView(String id, String prefix, String owner, ApiKeyScope scope, String name, String createdBy,
                  Instant createdAt, Instant revokedAt, String key) {

    static ApiKeyView from(ApiKey key) {
        return new ApiKeyView(key.id(), ApiKeyToken.displayPrefix(key.id()), key.owner(), key.scope(), key.name(),
                key.createdBy(), key.createdAt(), key.revokedAt(), null);
    }

    ApiKeyView withKey(String plaintext) {
        return new ApiKeyView(id, prefix, owner, scope, name, createdBy, createdAt, revokedAt, plaintext);
    }
}
