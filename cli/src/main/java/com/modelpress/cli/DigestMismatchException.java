package com.modelpress.cli;

/** A downloaded artifact's SHA-256 differs from the one the server announced, or the server announced none. */
final class DigestMismatchException extends RuntimeException {

    DigestMismatchException(String artifact, String expected, String actual) {
        super(expected == null
                ? "the server sent no SHA-256 for " + artifact + "; refusing to keep an unverified download"
                : "%s: SHA-256 %s does not match the server's %s; the download was deleted".formatted(artifact, actual, expected));
    }
}
