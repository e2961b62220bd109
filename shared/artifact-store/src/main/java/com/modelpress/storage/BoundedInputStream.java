package com.modelpress.storage;

import java.io.IOException;
import java.io.InputStream;

/** Ends after {@code remaining} bytes of another stream. Not thread-safe. */
class BoundedInputStream extends InputStream {
    private final InputStream in;
    long remaining;

    BoundedInputStream(InputStream in, long remaining) {
        this.in = in;
        this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            remaining--;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int read = in.read(b, off, (int) Math.min(len, remaining));
        if (read > 0) {
            remaining -= read;
        }
        return read;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
