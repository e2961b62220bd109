package com.modelpress.api.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param adminKey nullable: the operator's admin key (env {@code MODELPRESS_API_AUTH_ADMIN_KEY}), accepted with the
 *                 admin scope for owner {@value AuthenticationFilter#OPERATOR_OWNER}. Only its SHA-256 is kept in
 *                 memory; it is never logged. At least {@value #MIN_ADMIN_KEY_LENGTH} characters, no whitespace.
 */
@ConfigurationProperties("modelpress.api.auth")
record AuthProperties(String adminKey) {

    static final int MIN_ADMIN_KEY_LENGTH = 32;

    AuthProperties {
        if (adminKey != null && adminKey.isBlank()) {
            adminKey = null;
        }
    }

    /**
     * Checked when the key is used rather than while binding, so that no binding failure report ever echoes it.
     *
     * @throws IllegalStateException when the admin key is too short or holds whitespace; the message omits the key
     */
    void checkAdminKey() {
        if (adminKey != null
                && (adminKey.length() < MIN_ADMIN_KEY_LENGTH || adminKey.chars().anyMatch(Character::isWhitespace))) {
            throw new IllegalStateException(("modelpress.api.auth.admin-key must be at least %d characters without "
                    + "whitespace (e.g. mp_ followed by 43 random base64url characters)").formatted(MIN_ADMIN_KEY_LENGTH));
        }
    }
}
