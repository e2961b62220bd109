package com.modelpress.engine;

import com.modelpress.engine.graph.DecodedValuesListener;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The decoded values of every rewritten weight, spilled to a scratch file as they are produced, so that measuring
 * sensitivity keeps one tensor at a time off the heap. The file is deleted on {@link #close()}.
 *
 * <p>Not thread-safe.
 */
final class DecodedValues implements DecodedValuesListener, Closeable {

    private static final int CHUNK_FLOATS = 1 << 18;

    /** Where one tensor's values sit in the file. */
    record Entry(long offset, long[] dims, int dataType, long count) {}

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Entry> entries = new HashMap<>();
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(4 * CHUNK_FLOATS).order(ByteOrder.nativeOrder());

    DecodedValues(Path folder) throws IOException {
        this.file = Files.createTempFile(folder, ".modelpress-decoded-", ".f32");
        this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @Override
    public void decoded(String name, long[] dims, int dataType, float[] values) throws IOException {
        long offset = channel.size();
        for (int start = 0; start < values.length; start += CHUNK_FLOATS) {
            int length = Math.min(CHUNK_FLOATS, values.length - start);
            chunk.clear();
            chunk.asFloatBuffer().put(values, start, length);
            chunk.limit(4 * length);
            while (chunk.hasRemaining()) {
                channel.write(chunk, offset + 4L * start + chunk.position());
            }
        }
        entries.put(name, new Entry(offset, dims.clone(), dataType, values.length));
    }

    /** The tensor's shape, or null when its values were not recorded. */
    long[] dims(String name) {
        Entry entry = entries.get(name);
        return entry == null ? null : entry.dims().clone();
    }

    /** The ONNX type the tensor is stored in, or 0 when its values were not recorded. */
    int dataType(String name) {
        Entry entry = entries.get(name);
        return entry == null ? 0 : entry.dataType();
    }

    /**
     * The tensor's values as a direct buffer in native order (mapped from the file), or null when they were not
     * recorded or are too large to map in one piece.
     */
    FloatBuffer values(String name) throws IOException {
        Entry entry = entries.get(name);
        if (entry == null || 4 * entry.count() > Integer.MAX_VALUE) {
            return null;
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, entry.offset(), 4 * entry.count())
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
