package com.modelpress.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where artifacts live. Keys are relative paths of {@code [A-Za-z0-9._-]} segments separated by {@code /};
 * anything else is refused. Writes are atomic: a reader sees a complete artifact or none.
 *
 * <p>Implementations are thread-safe.
 */
public interface ArtifactStore {

    /**
     * Streams {@code content} into {@code key}, replacing what was there, computing size and SHA-256 on the way.
     *
     * @param maxBytes the most bytes accepted
     * @throws ArtifactTooLargeException when the stream is longer than {@code maxBytes}; nothing is stored
     */
    StoredArtifact put(String key, InputStream content, long maxBytes) throws IOException;

    /** Size and SHA-256 of a stored artifact, or empty when there is none. */
    Optional<StoredArtifact> stat(String key) throws IOException;

    /**
     * Reads {@code length} bytes from {@code offset}. The caller closes the stream.
     *
     * @throws java.nio.file.NoSuchFileException when the artifact does not exist
     */
    InputStream open(String key, long offset, long length) throws IOException;

    /** Keys under {@code prefix} (a folder-like key), sorted. */
    List<String> list(String prefix) throws IOException;

    /** Deletes every artifact under {@code prefix}; nothing when there is none. */
    void deleteAll(String prefix) throws IOException;

    /** Checks a key and returns it. */
    static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.endsWith("/")) {
            throw new IllegalArgumentException("invalid artifact key '%s'".formatted(key));
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || !segment.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("invalid artifact key '%s'".formatted(key));
            }
        }
        return key;
    }
}
