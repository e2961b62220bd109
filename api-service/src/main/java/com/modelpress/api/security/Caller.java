package com.modelpress.api.security;

/**
 * The authenticated caller of an {@code /api/**} request, resolved from its API key. Controllers take it as a
 * parameter; springdoc leaves it out of the OpenAPI document.
 *
 * @param owner whose jobs the caller submits and sees; {@value AuthenticationFilter#OPERATOR_OWNER} for the operator's admin key
 * @param scope user or admin
 * @param keyId the key's public id, or {@value AuthenticationFilter#OPERATOR_OWNER} for the operator's admin key
 */
public record Caller(String owner, ApiKeyScope scope, String keyId) {

    public boolean admin() {
        return scope == ApiKeyScope.ADMIN;
    }

    /** Admins see every job; everybody else only their own. */
    public boolean canSee(String jobOwner) {
        return admin() || owner.equals(jobOwner);
    }

    /** @throws AdminRequiredException when the caller's key is not an admin key */
    public void requireAdmin() {
        if (!admin()) {
            throw new AdminRequiredException(keyId);
        }
    }
}
