package com.modelpress.engine.int4;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Dense float32 matrix products, the hot loop of {@link Gptq} (its lazy-batch updates and the blocked Cholesky
 * factorization). The engine hands in one that runs on ONNX Runtime's execution provider; {@link #JAVA} is the
 * plain-Java fallback.
 *
 * <p>Implementations must be safe for use by one thread at a time.
 */
public interface MatrixProducts {

    /** Blocked, row-parallel products in Java. */
    MatrixProducts JAVA = new JavaProducts();

    /**
     * {@code c = a · b}: all row-major and dense from their position; {@code a} is {@code [m, l]}, {@code b}
     * {@code [l, n]}, {@code c} {@code [m, n]} (overwritten). Buffers are direct or heap; positions are not moved.
     */
    void multiply(FloatBuffer a, FloatBuffer b, FloatBuffer c, int m, int l, int n);

    /** A zeroed buffer of {@code elements} floats of the kind {@link #multiply} reads without copying. */
    default FloatBuffer allocate(int elements) {
        return FloatBuffer.allocate(elements);
    }

    /** Axpy-form products: four rows of {@code c} at a time along contiguous rows of {@code b}. */
    final class JavaProducts implements MatrixProducts {

        private static final int COLUMNS = 512;
        private static final int DEPTH = 128;

        private JavaProducts() {
        }

        @Override
        public void multiply(FloatBuffer a, FloatBuffer b, FloatBuffer c, int m, int l, int n) {
            float[] left = new float[m * l];
            a.get(a.position(), left);
            float[] right = new float[l * n];
            b.get(b.position(), right);
            float[] out = new float[m * n];
            int rowBlocks = (m + 3) / 4;
            IntStream.range(0, rowBlocks).parallel().forEach(block -> {
                int r0 = block * 4;
                int rows = Math.min(4, m - r0);
                for (int j0 = 0; j0 < n; j0 += COLUMNS) {
                    int j1 = Math.min(n, j0 + COLUMNS);
                    for (int p0 = 0; p0 < l; p0 += DEPTH) {
                        int p1 = Math.min(l, p0 + DEPTH);
                        if (rows == 4) {
                            four(left, right, out, r0, l, n, j0, j1, p0, p1);
                        } else {
                            for (int r = r0; r < r0 + rows; r++) {
                                for (int p = p0; p < p1; p++) {
                                    float x = left[r * l + p];
                                    int bRow = p * n;
                                    int cRow = r * n;
                                    for (int j = j0; j < j1; j++) {
                                        out[cRow + j] += x * right[bRow + j];
                                    }
                                }
                            }
                        }
                    }
                }
            });
            c.put(c.position(), out);
        }

        private static void four(float[] a, float[] b, float[] c, int r0, int l, int n, int j0, int j1, int p0, int p1) {
            int c0 = r0 * n;
            int c1 = c0 + n;
            int c2 = c1 + n;
            int c3 = c2 + n;
            for (int p = p0; p < p1; p++) {
                float x0 = a[r0 * l + p];
                float x1 = a[(r0 + 1) * l + p];
                float x2 = a[(r0 + 2) * l + p];
                float x3 = a[(r0 + 3) * l + p];
                int bRow = p * n;
                for (int j = j0; j < j1; j++) {
                    float y = b[bRow + j];
                    c[c0 + j] += x0 * y;
                    c[c1 + j] += x1 * y;
                    c[c2 + j] += x2 * y;
                    c[c3 + j] += x3 * y;
                }
            }
        }
    }
}
