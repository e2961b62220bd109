package com.modelpress.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API key format: {@code mp_<id>_<secret>}, where {@code id} is 16 lowercase hex characters (public: it names
 * the key in lists and URLs) and {@code secret} 43 base64url characters (256 random bits from {@link SecureRandom}).
 * Only the SHA-256 of the whole key is stored; a secret this long needs no slow hash. Thread-safe.
 */
final class ApiKeyToken {

    static final String PREFIX = "mp_";
    private static final int ID_BYTES = 8;
    private static final int SECRET_BYTES = 32;
    private static final Pattern FORMAT = Pattern.compile("mp_([0-9a-f]{16})_[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeyToken() {
    }

    /** A new key; {@code id} is its public part. */
    record Generated(String id, String key) {}

    static Generated generate() {
        byte[] id = new byte[ID_BYTES];
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String hexId = HexFormat.of().formatHex(id);
        return new Generated(hexId, PREFIX + hexId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** @return the key's public id, or empty when {@code key} does not have the format of a generated key */
    static Optional<String> idOf(String key) {
        var matcher = FORMAT.matcher(key);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** The public, displayable beginning of a key: {@code mp_<id>}. */
    static String displayPrefix(String id) {
        return PREFIX + id;
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    /** Constant-time comparison of two digests. */
    static boolean sameDigest(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
