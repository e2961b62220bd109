package com.modelpress.engine.int4;

import java.util.stream.IntStream;

/**
 * Error-compensating 4-bit rounding (GPTQ, Frantar et al. 2022) for a {@code [K, N]} weight: rows along K are
 * quantized in order, and each row's rounding error is pushed onto the rows not yet quantized, weighted by
 * the inverse Hessian {@code H = XᵀX} of the layer's calibration inputs — so the layer's output on that data
 * changes as little as possible, not just its weights. Block scales and zero points are chosen (with
 * {@link BlockQuantizer}'s search) when a block's first row is reached, from the already-compensated values.
 *
 * <p>Stateless; thread-safe. Columns are independent once the Hessian is factored and run in parallel.
 */
final class Gptq {

    /** Dampening added to the Hessian's diagonal, as a fraction of its mean: keeps it positive definite. */
    static final double DAMPENING = 0.01;

    private Gptq() {
    }

    /**
     * @param w       row-major {@code [k, n]}, not modified
     * @param xtx     row-major {@code [k, k]} sum of {@code xᵀx} over calibration rows
     * @param decoded receives the dequantized {@code [k, n]} matrix
     */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, double[] xtx,
                                       float[] decoded) {
        return quantize(w, k, n, blockSize, symmetric, xtx, ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE, decoded);
    }

    /** @param scaleType the ONNX float type scales are stored in; each scale is rounded to it before codes are chosen */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, double[] xtx,
                                       int scaleType, float[] decoded) {
        float[] work = w.clone();
        double[] h = xtx.clone();
        for (int i = 0; i < k; i++) {
            if (h[i * k + i] == 0) {
                // an input that never varies: its weights cannot matter; keep the factorization well defined
                h[i * k + i] = 1;
                for (int col = 0; col < n; col++) {
                    work[i * n + col] = 0;
                }
            }
        }
        double[] u = upperCholeskyOfInverse(h, k);
        int blocks = MatMulNBitsWeights.blocksFor(k, blockSize);
        PackedMatrix matrix = new PackedMatrix(k, n, blockSize, symmetric);
        int threads = Math.max(1, Math.min(n, Runtime.getRuntime().availableProcessors()));
        int chunk = (n + threads - 1) / threads;
        IntStream.range(0, threads).parallel().forEach(t -> {
            int from = t * chunk;
            int to = Math.min(n, from + chunk);
            if (from < to) {
                quantizeColumns(work, k, n, from, to, blockSize, blocks, symmetric, scaleType, u, matrix, decoded);
            }
        });
        return matrix.build();
    }

    private static void quantizeColumns(float[] w, int k, int n, int from, int to, int blockSize, int blocks,
                                        boolean symmetric, int scaleType, double[] u, PackedMatrix matrix,
                                        float[] decoded) {
        int width = to - from;
        BlockQuantizer.BlockCode[] codes = new BlockQuantizer.BlockCode[width];
        int[][] q = new int[width][blockSize];
        double[] error = new double[width];
        float[] x = new float[blockSize];
        for (int i = 0; i < k; i++) {
            int block = i / blockSize;
            int within = i % blockSize;
            if (within == 0) {
                int len = Math.min(blockSize, k - i);
                for (int c = 0; c < width; c++) {
                    for (int j = 0; j < blockSize; j++) {
                        x[j] = j < len ? w[(i + j) * n + from + c] : 0f;
                    }
                    codes[c] = BlockQuantizer.stored(BlockQuantizer.choose(x, len, symmetric), scaleType);
                    java.util.Arrays.fill(q[c], codes[c].zeroPoint());
                }
            }
            double pivot = u[i * k + i];
            int row = i * n;
            for (int c = 0; c < width; c++) {
                float value = w[row + from + c];
                int code = BlockQuantizer.quantize(value, codes[c].scale(), codes[c].zeroPoint());
                q[c][within] = code;
                float dequantized = (code - codes[c].zeroPoint()) * codes[c].scale();
                decoded[row + from + c] = dequantized;
                error[c] = (value - dequantized) / pivot;
            }
            for (int j = i + 1; j < k; j++) {
                double factor = u[i * k + j];
                if (factor == 0) {
                    continue;
                }
                int target = j * n + from;
                for (int c = 0; c < width; c++) {
                    w[target + c] -= (float) (factor * error[c]);
                }
            }
            if (within == blockSize - 1 || i == k - 1) {
                for (int c = 0; c < width; c++) {
                    matrix.put(from + c, block, codes[c], q[c]);
                }
            }
        }
    }

    /**
     * {@code U} with {@code UᵀU = (H + λI)⁻¹}, row-major {@code [k, k]}, upper triangular. Raises the dampening
     * until the Cholesky factorizations succeed.
     */
    static double[] upperCholeskyOfInverse(double[] h, int k) {
        double mean = 0;
        for (int i = 0; i < k; i++) {
            mean += h[i * k + i];
        }
        mean /= k;
        for (double damp = DAMPENING; damp < 1e3; damp *= 10) {
            double[] damped = h.clone();
            for (int i = 0; i < k; i++) {
                damped[i * k + i] += damp * mean;
            }
            double[] lower = cholesky(damped, k);
            if (lower == null) {
                continue;
            }
            double[] inverse = inverseFromCholesky(lower, k);
            double[] lowerOfInverse = cholesky(inverse, k);
            if (lowerOfInverse == null) {
                continue;
            }
            double[] upper = new double[k * k];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c <= r; c++) {
                    upper[c * k + r] = lowerOfInverse[r * k + c];
                }
            }
            return upper;
        }
        throw new ArithmeticException("Hessian of size " + k + " is not positive definite even with heavy dampening");
    }

    /** Lower-triangular {@code L} with {@code LLᵀ = a}, or null when {@code a} is not positive definite. */
    static double[] cholesky(double[] a, int k) {
        double[] l = new double[k * k];
        for (int j = 0; j < k; j++) {
            double sum = a[j * k + j];
            for (int p = 0; p < j; p++) {
                sum -= l[j * k + p] * l[j * k + p];
            }
            if (!(sum > 0)) {
                return null;
            }
            double diagonal = Math.sqrt(sum);
            l[j * k + j] = diagonal;
            final int column = j;
            IntStream.range(j + 1, k).parallel().forEach(i -> {
                double s = a[i * k + column];
                int ri = i * k;
                int rj = column * k;
                for (int p = 0; p < column; p++) {
                    s -= l[ri + p] * l[rj + p];
                }
                l[ri + column] = s / diagonal;
            });
        }
        return l;
    }

    /** {@code (LLᵀ)⁻¹} from the lower Cholesky factor, row-major, symmetric. */
    static double[] inverseFromCholesky(double[] l, int k) {
        // t = (L⁻¹)ᵀ, upper triangular, filled row by row so that every inner loop reads contiguous memory
        double[] t = new double[k * k];
        IntStream.range(0, k).parallel().forEach(j -> {
            int row = j * k;
            for (int i = j; i < k; i++) {
                double s = i == j ? 1 : 0;
                int li = i * k;
                for (int p = j; p < i; p++) {
                    s -= l[li + p] * t[row + p];
                }
                t[row + i] = s / l[li + i];
            }
        });
        // (LLᵀ)⁻¹ = L⁻ᵀL⁻¹ = t tᵀ
        double[] result = new double[k * k];
        IntStream.range(0, k).parallel().forEach(r -> {
            int rowR = r * k;
            for (int c = r; c < k; c++) {
                int rowC = c * k;
                double s = 0;
                for (int p = c; p < k; p++) {
                    s += t[rowR + p] * t[rowC + p];
                }
                result[rowR + c] = s;
                result[rowC + r] = s;
            }
        });
        return result;
    }
}
