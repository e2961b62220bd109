package com.modelpress.engine.evaluation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Float arrays written to a scratch file and read back later, so that values held between two phases cost disk
 * instead of heap; the file is written and read through a small buffer (never mapped, so it is not part of the
 * process's resident set) and deleted on close at the latest (on Linux it has no name once open). Not thread-safe.
 */
final class FloatSpill implements AutoCloseable {

    /** Bytes moved per write or read. */
    private static final int CHUNK = 1 << 20;

    /** Where one array was written. */
    record Stored(long offset, int length) {}

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.nativeOrder());
    private long position;

    FloatSpill() throws IOException {
        file = Files.createTempFile("modelpress-evaluation-", ".floats");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE);
    }

    /** Appends {@code values}; the array may be reused afterwards. */
    Stored write(float[] values) {
        long start = position;
        try {
            for (int done = 0; done < values.length; ) {
                int count = Math.min(CHUNK / Float.BYTES, values.length - done);
                buffer.clear();
                buffer.asFloatBuffer().put(values, done, count);
                buffer.limit(count * Float.BYTES);
                while (buffer.hasRemaining()) {
                    position += channel.write(buffer, position);
                }
                done += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scratch file " + file, e);
        }
        return new Stored(start, values.length);
    }

    /** The array written at {@code stored}. */
    float[] read(Stored stored) {
        float[] values = new float[stored.length()];
        long at = stored.offset();
        try {
            for (int done = 0; done < values.length; ) {
                int count = Math.min(CHUNK / Float.BYTES, values.length - done);
                buffer.clear().limit(count * Float.BYTES);
                while (buffer.hasRemaining()) {
                    int read = channel.read(buffer, at);
                    if (read < 0) {
                        throw new IOException("scratch file " + file + " ends before offset " + at);
                    }
                    at += read;
                }
                buffer.flip();
                buffer.asFloatBuffer().get(values, done, count);
                done += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scratch file " + file, e);
        }
        return values;
    }

    /** The scratch file, for tests. */
    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }
}
