package com.modelpress.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin key of a standalone platform ({@code modelpress serve}, {@code modelpress demo}), kept in
 * {@code <data-dir>/api-key} with owner-only permissions (0600): created with 256 random bits on first start, reused
 * on later ones, replaced when a key is given. The API accepts it as its operator admin key.
 *
 * @param key     the key
 * @param file    where it is stored
 * @param created true when this call generated it (print it: it is shown once)
 */
record LocalApiKey(String key, Path file, boolean created) {

    static final String FILE_NAME = "api-key";
    /** The API refuses a shorter operator key. */
    static final int MIN_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param given nullable: a key to use (and store) instead of the stored or a new one
     * @throws IllegalArgumentException when {@code given} is shorter than {@value #MIN_LENGTH} characters or holds whitespace
     */
    static LocalApiKey resolve(Path dataDirectory, String given) throws IOException {
        Path file = dataDirectory.toAbsolutePath().normalize().resolve(FILE_NAME);
        if (given != null) {
            if (given.length() < MIN_LENGTH || given.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("an API key must be at least %d characters without whitespace"
                        .formatted(MIN_LENGTH));
            }
            store(file, given);
            return new LocalApiKey(given, file, false);
        }
        String stored = ServerOption.resolveKey(null, java.util.Map.of(), java.util.List.of(file));
        if (stored != null && stored.length() >= MIN_LENGTH) {
            return new LocalApiKey(stored, file, false);
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String key = "mp_local_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        store(file, key);
        return new LocalApiKey(key, file, true);
    }

    /** In an owner-only file, so the key is never readable by others. */
    private static void store(Path file, String key) throws IOException {
        OwnerOnlyFile.write(file, key + "\n", StandardCharsets.UTF_8);
    }
}
