package com.modelpress.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 as the platform writes it: lowercase hex of the 32-byte digest, the form job messages, artifact records,
 * reports and ETags carry. Files and streams are read in chunks, never whole into memory. Thread-safe (stateless).
 */
public final class Sha256 {

    private static final String ALGORITHM = "SHA-256";

    private Sha256() {
    }

    /** A fresh digest, for a caller that feeds it while it copies (see {@link #hex(MessageDigest)}). */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance(ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has " + ALGORITHM, e);
        }
    }

    /** The digest {@code digest} has computed so far, as lowercase hex; resets it. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The digest of {@code bytes}. */
    public static String of(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** The digest of {@code text} as UTF-8. */
    public static String of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The digest of a file's content, streamed. */
    public static String of(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return of(in);
        }
    }

    /** The digest of what {@code in} holds from here to its end, streamed; leaves {@code in} open. */
    public static String of(InputStream in) throws IOException {
        MessageDigest digest = digest();
        in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), digest));
        return hex(digest);
    }
}
