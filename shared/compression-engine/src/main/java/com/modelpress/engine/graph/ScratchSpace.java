package com.modelpress.engine.graph;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps freshly encoded tensor bytes on disk instead of the heap: each stored array is appended to a scratch
 * file and handed back as a memory-mapped {@link ByteString}. Compressing a model therefore holds only the
 * tensor being worked on in memory. The file is deleted on close; mappings handed out stay readable until
 * they are garbage collected.
 *
 * <p>Not thread-safe; one instance per compression.
 */
public final class ScratchSpace implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private long position;

    public ScratchSpace(Path directory) throws IOException {
        this.file = Files.createTempFile(directory, ".modelpress-scratch-", ".tmp");
        this.file.toFile().deleteOnExit();
        this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Stores {@code bytes} and returns a mapped view of them; the array may be reused afterwards. */
    public ByteString store(byte[] bytes) {
        if (bytes.length < 4096) {
            return ByteString.copyFrom(bytes);
        }
        try {
            long start = position;
            ByteBuffer source = ByteBuffer.wrap(bytes);
            while (source.hasRemaining()) {
                position += channel.write(source, position);
            }
            return UnsafeByteOperations.unsafeWrap(channel.map(FileChannel.MapMode.READ_ONLY, start, bytes.length));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scratch file " + file, e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }
}
