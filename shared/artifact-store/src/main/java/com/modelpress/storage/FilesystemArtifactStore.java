package com.modelpress.storage;

import com.modelpress.files.FileTrees;
import com.modelpress.files.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Artifacts as files under a root folder (a shared volume when services run apart). Each artifact's SHA-256
 * is kept beside it in {@code <file>.sha256} so that {@link #stat} need not reread the content.
 *
 * <p>Thread-safe: writes go to a temporary file that is atomically moved into place.
 */
public final class FilesystemArtifactStore implements ArtifactStore {

    private static final String DIGEST_SUFFIX = ".sha256";
    private static final int BUFFER = 1 << 16;

    private final Path root;

    public FilesystemArtifactStore(Path root) throws IOException {
        this.root = Files.createDirectories(root).toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** The file holding {@code key}; for tools that need a real path (e.g. ONNX Runtime). */
    public Path pathOf(String key) {
        Path path = root.resolve(ArtifactStore.checkKey(key)).normalize();
        if (!path.startsWith(root)) {
            throw new IllegalArgumentException("invalid artifact key '%s'".formatted(key));
        }
        return path;
    }

    @Override
    public StoredArtifact put(String key, InputStream content, long maxBytes) throws IOException {
        Path target = pathOf(key);
        if (key.endsWith(DIGEST_SUFFIX)) {
            throw new IllegalArgumentException("artifact keys may not end with " + DIGEST_SUFFIX);
        }
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), ".upload-", ".tmp");
        try {
            MessageDigest digest = Sha256.digest();
            long size = 0;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
                byte[] buffer = new byte[BUFFER];
                for (int read; (read = content.read(buffer)) >= 0; ) {
                    size += read;
                    if (size > maxBytes) {
                        throw new ArtifactTooLargeException(key, maxBytes);
                    }
                    out.write(buffer, 0, read);
                }
            }
            String sha = Sha256.hex(digest);
            Files.writeString(digestFile(target), sha + "\n");
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new StoredArtifact(key, size, sha);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public Optional<StoredArtifact> stat(String key) throws IOException {
        Path path = pathOf(key);
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        Path digestFile = digestFile(path);
        String sha = Files.exists(digestFile) ? Files.readString(digestFile).trim() : Sha256.of(path);
        return Optional.of(new StoredArtifact(key, Files.size(path), sha));
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        Path path = pathOf(key);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(key);
        }
        long size = Files.size(path);
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IllegalArgumentException("range %d+%d is outside artifact '%s' of %d bytes".formatted(offset, length, key, size));
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        channel.position(offset);
        return new BoundedInputStream(Channels.newInputStream(channel), length);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        Path folder = pathOf(prefix);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(DIGEST_SUFFIX))
                    .filter(p -> !p.getFileName().toString().startsWith(".upload-"))
                    .forEach(p -> keys.add(root.relativize(p).toString().replace('\\', '/')));
        }
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    @Override
    public void deleteAll(String prefix) throws IOException {
        FileTrees.delete(pathOf(prefix));
    }

    private static Path digestFile(Path artifact) {
        return artifact.resolveSibling(artifact.getFileName() + DIGEST_SUFFIX);
    }
}
