package com.modelpress.api.webhook;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The Standard Webhooks symmetric secret format: {@code whsec_} followed by the base64 of the key, here 32 random bytes
 * from {@link SecureRandom} (the spec asks for 24 to 64). Thread-safe.
 */
final class WebhookSecrets {

    static final String PREFIX = "whsec_";
    private static final int KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSecrets() {
    }

    static String generate() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** @return the HMAC key of a {@code whsec_} secret, or empty when {@code secret} is not one */
    static Optional<byte[]> key(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
            return key.length >= 24 && key.length <= 64 ? Optional.of(key) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
