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
        if (adminKey != null && !adminKey.isEmpty()
                && (adminKey.length() < MIN_ADMIN_KEY_LENGTH || !adminKey.chars().noneMatch(Character::isWhitespace))) {
            // the value itself is never echoed: it is a secret
            throw new IllegalArgumentException("modelpress.api.auth.admin-key must be at least %d characters without "
                    .formatted(MIN_ADMIN_KEY_LENGTH) + "whitespace (e.g. mp_ followed by 43 random base64url characters)");
        }
        if (adminKey != null && adminKey.isEmpty()) {
            adminKey = null;
        }
    }
}
