package com.modelpress.engine;

import com.modelpress.files.Sha256;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A file's {@link Sha256#of(Path)} computed on a thread of its own (not the common pool, which the passes use) while
 * the pipeline goes on: the digests are only needed for the report.
 *
 * <p>Thread-safe.
 */
final class BackgroundDigest {

    private final CompletableFuture<String> sha = new CompletableFuture<>();

    private BackgroundDigest() {
    }

    /** Starts digesting {@code file}; its content must not change until {@link #join}. */
    static BackgroundDigest of(Path file) {
        BackgroundDigest digest = new BackgroundDigest();
        Thread.ofPlatform().name("modelpress-sha256").daemon().start(() -> {
            try {
                digest.sha.complete(Sha256.of(file));
            } catch (IOException | RuntimeException e) {
                digest.sha.completeExceptionally(e);
            }
        });
        return digest;
    }

    /**
     * The digest, lowercase hex; waits for it.
     *
     * @throws IOException when the file could not be read
     */
    String join() throws IOException {
        try {
            return sha.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }
}
