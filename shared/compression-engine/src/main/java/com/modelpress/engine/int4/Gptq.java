package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.modelpress.engine.graph.TensorCodec;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Error-compensating 4-bit rounding (GPTQ, Frantar et al. 2022) for a {@code [K, N]} weight: rows along K are
 * quantized in order, and each row's rounding error is carried onto the rows not yet quantized, weighted by the
 * inverse Hessian {@code H = XᵀX} of the layer's calibration inputs — so the layer's output on that data changes
 * as little as possible, not just its weights. Block scales and zero points are chosen (a short
 * search over shrunk ranges, {@link #choose}) when a block's first row is reached, from the already-compensated
 * values; each scale is rounded to the float type it is stored in (float16 in float16 graphs) before the block's
 * codes are chosen, so the codes and the carried errors are those of the scale the kernel decodes with.
 *
 * <p>Formulation. With {@code H + λI = R·Rᵀ}, {@code R} upper triangular (a Cholesky factorization of the
 * index-reversed matrix), GPTQ's usual factor {@code U} ({@code UᵀU = (H + λI)⁻¹}) is {@code R⁻¹}, and its
 * row-by-row updates add up to {@code w̃ᵢ = wᵢ + Σ_{j<i} (R_ji / R_ii)·(wⱼ − qⱼ)}: each row is the original row
 * plus a weighted sum of the rounding errors of the rows before it. No inverse is formed. When a block's codes
 * are chosen, its rows must look as the row-by-row updates leave them at that point, which is a forward
 * substitution over the block with the same coefficients. Rows are processed in
 * lazy batches of {@value #LAZY_ROWS} rows: the contribution of all earlier batches is one matrix product
 * ({@link MatrixProducts}, ONNX Runtime's GEMM in the engine), only the rows inside a batch are updated one by one,
 * in Java, left-looking ({@code batch}): each row gathers the errors of the batch's earlier rows when it is reached.
 * The factorization is blocked the same way. Everything is float32, as in the reference implementation.
 *
 * <p>Stateless; thread-safe. Columns are independent once the Hessian is factored and run in parallel.
 */
public final class Gptq {

    /** Dampening added to the Hessian's diagonal, as a fraction of its mean: keeps it positive definite. */
    static final double DAMPENING = 0.01;
    /**
     * Rows per lazy batch (at least one block: block sizes are powers of two). 64 balances the rows updated one by one
     * in Java against the products: about 20 % less CPU than 128 or 32 on a 2048×5632 weight.
     */
    static final int LAZY_ROWS = 64;
    /**
     * Rows per outer batch, whose product with all earlier errors is one GEMM: taller products run nearer the GEMM's
     * peak than the lazy batches' {@value #LAZY_ROWS}-row ones, each of which re-reads every earlier error.
     */
    static final int OUTER_ROWS = 256;
    /** Columns processed together inside a lazy batch: its rows of them stay in the core's cache. */
    static final int TILE = 256;
    /** Columns per panel of the blocked Cholesky factorization. */
    static final int PANEL = 256;
    /** Rows and columns per tile of the swaps that turn the factor into coefficients. */
    private static final int SWAP_TILE = 64;

    private Gptq() {
    }

    /**
     * The factored Hessian of one activation, reusable for every weight that reads it.
     *
     * @param k           features
     * @param coefficients row-major {@code [k, k]}: {@code R_ji / R_ii} at {@code [i, j]} for {@code j < i}; the
     *                    rest is scratch
     * @param dead        inputs that never vary ({@code H_ii = 0}): their weights cannot matter and are zeroed
     * @param dampening   the fraction of the mean diagonal that made the factorization succeed
     */
    public record Factor(int k, float[] coefficients, boolean[] dead, double dampening) {}

    /** {@link #quantize(float[], int, int, int, boolean, double[], int, float[])} with float32 scales. */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, double[] xtx,
                                       float[] decoded) {
        return quantize(w, k, n, blockSize, symmetric, xtx, TensorProto.DataType.FLOAT_VALUE, decoded);
    }

    /** {@link #quantize(float[], int, int, int, boolean, Factor, int, float[], MatrixProducts)} in plain Java. */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, double[] xtx,
                                       int scaleType, float[] decoded) {
        return quantize(w, k, n, blockSize, symmetric, factor(xtx, k, MatrixProducts.JAVA), scaleType, decoded,
                MatrixProducts.JAVA);
    }

    /**
     * @param xtx row-major {@code [k, k]} sum of {@code xᵀx} over calibration rows; not modified
     * @throws ArithmeticException when even heavy dampening leaves the matrix indefinite (NaN or infinite sums)
     */
    public static Factor factor(double[] xtx, int k, MatrixProducts products) {
        boolean[] dead = new boolean[k];
        double mean = 0;
        for (int i = 0; i < k; i++) {
            double diagonal = xtx[i * k + i];
            dead[i] = diagonal == 0;
            mean += dead[i] ? 1 : diagonal;
        }
        mean /= k;
        float[] a = new float[Math.multiplyExact(k, k)];
        for (double damp = DAMPENING; damp < 1e3; damp *= 10) {
            // the index-reversed matrix: its lower Cholesky factor, reversed back, is R with H = R·Rᵀ
            IntStream.range(0, k).parallel().forEach(i -> {
                int row = (k - 1 - i) * k;
                int source = i * k;
                for (int j = 0; j < k; j++) {
                    a[row + k - 1 - j] = (float) xtx[source + j];
                }
            });
            for (int i = 0; i < k; i++) {
                int r = (k - 1 - i) * k + (k - 1 - i);
                a[r] = (float) ((dead[i] ? 1 : xtx[i * k + i]) + damp * mean);
            }
            if (choleskyInPlace(a, k, products)) {
                toCoefficients(a, k);
                return new Factor(k, a, dead, damp);
            }
        }
        throw new ArithmeticException("Hessian of size " + k + " is not positive definite even with heavy dampening");
    }

    /**
     * @param w         row-major {@code [k, n]}, not modified
     * @param scaleType the ONNX float type scales are stored in; each scale is rounded to it before codes are chosen
     * @param decoded   receives the dequantized {@code [k, n]} matrix
     */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, Factor factor,
                                       int scaleType, float[] decoded, MatrixProducts products) {
        return quantize(w, k, n, blockSize, symmetric, factor, scaleType, decoded, products, 4);
    }

    /**
     * As {@link #quantize(float[], int, int, int, boolean, Factor, int, float[], MatrixProducts)} with codes of
     * {@code bits} bits: {@code 0 .. 2^bits − 1}, symmetric around {@code 2^(bits−1)}.
     *
     * @param bits 2, 4 or 8
     */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, Factor factor,
                                       int scaleType, float[] decoded, MatrixProducts products, int bits) {
        return quantize(w, k, n, blockSize, symmetric, factor, scaleType, decoded, products, bits, OUTER_ROWS);
    }

    /**
     * @param outerRows rows per outer batch, rounded down to a whole number of lazy batches (at least one): one
     *                  product carries the errors of all earlier outer batches onto it, and a smaller one those of
     *                  its own earlier lazy batches onto each lazy batch. With one lazy batch per outer batch this is
     *                  the plain lazy-batch algorithm.
     */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, Factor factor,
                                       int scaleType, float[] decoded, MatrixProducts products, int bits, int outerRows) {
        if (bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits must be 2, 4 or 8, not " + bits);
        }
        int lazy = Math.max(LAZY_ROWS, blockSize);
        if (factor.k() != k || lazy % blockSize != 0) {
            throw new IllegalArgumentException("factor of size %d for k = %d, block size %d".formatted(factor.k(), k, blockSize));
        }
        float[] c = factor.coefficients();
        boolean[] dead = factor.dead();
        int blocks = MatMulNBitsWeights.blocksFor(k, blockSize);
        PackedMatrix matrix = new PackedMatrix(k, n, blockSize, symmetric, bits);
        int outer = Math.max(lazy, outerRows / lazy * lazy);
        FloatBuffer delta = products.allocate(Math.multiplyExact(k, n));
        FloatBuffer left = products.allocate(Math.multiplyExact(outer, k));
        FloatBuffer product = products.allocate(Math.multiplyExact(outer, n));
        FloatBuffer innerLeft = products.allocate(Math.multiplyExact(lazy, outer));
        FloatBuffer innerProduct = products.allocate(Math.multiplyExact(lazy, n));
        float[] current = new float[Math.multiplyExact(lazy, n)];
        float[] earlier = new float[Math.multiplyExact(lazy, n)];
        float[] errors = new float[Math.multiplyExact(lazy, n)];
        int threads = Math.max(1, Math.min(n, Runtime.getRuntime().availableProcessors()));
        int chunk = (n + threads - 1) / threads;
        ColumnState[] states = new ColumnState[threads];
        for (int t = 0; t < threads; t++) {
            states[t] = new ColumnState(Math.min(TILE, Math.max(0, Math.min(n, (t + 1) * chunk) - t * chunk)), blockSize, lazy,
                    bits);
        }
        for (int o0 = 0; o0 < k; o0 += outer) {
            int o1 = Math.min(k, o0 + outer);
            if (o0 > 0) {
                // the errors of every earlier outer batch, at once: C[o0:o1, 0:o0] · Δ[0:o0, :]
                for (int i = o0; i < o1; i++) {
                    left.put((i - o0) * o0, c, i * k, o0);
                }
                products.multiply(left.slice(0, (o1 - o0) * o0), delta.slice(0, o0 * n), product.slice(0, (o1 - o0) * n),
                        o1 - o0, o0, n);
            }
            for (int r0 = o0; r0 < o1; r0 += lazy) {
                int r1 = Math.min(o1, r0 + lazy);
                int rows = r1 - r0;
                for (int i = r0; i < r1; i++) {
                    if (dead[i]) {
                        java.util.Arrays.fill(current, (i - r0) * n, (i - r0 + 1) * n, 0f);
                    } else {
                        System.arraycopy(w, i * n, current, (i - r0) * n, n);
                    }
                }
                if (o0 > 0) {
                    addTo(current, product, (r0 - o0) * n, earlier, rows * n);
                }
                int inside = r0 - o0;
                if (inside > 0) {
                    // the errors of this outer batch's earlier lazy batches: C[r0:r1, o0:r0] · Δ[o0:r0, :]
                    for (int i = r0; i < r1; i++) {
                        innerLeft.put((i - r0) * inside, c, i * k + o0, inside);
                    }
                    products.multiply(innerLeft.slice(0, rows * inside), delta.slice(o0 * n, inside * n),
                            innerProduct.slice(0, rows * n), rows, inside, n);
                    addTo(current, innerProduct, 0, earlier, rows * n);
                }
                final int start = r0;
                IntStream.range(0, threads).parallel().forEach(t -> {
                    int from = t * chunk;
                    int to = Math.min(n, from + chunk);
                    if (from < to) {
                        // tiles of columns, so that the batch's rows of a tile stay in cache while errors are carried
                        for (int tile = from; tile < to; tile += TILE) {
                            batch(w, dead, c, k, n, start, rows, tile, Math.min(to, tile + TILE), blockSize, symmetric,
                                    scaleType, current, errors, decoded, matrix, states[t]);
                        }
                    }
                });
                delta.put(r0 * n, errors, 0, rows * n);
            }
        }
        return matrix.build();
    }

    /** {@code current[0 .. length) += source[offset .. offset + length)}, through {@code scratch}. */
    private static void addTo(float[] current, FloatBuffer source, int offset, float[] scratch, int length) {
        source.get(offset, scratch, 0, length);
        for (int x = 0; x < length; x++) {
            current[x] += scratch[x];
        }
    }

    /** Range shrink factors tried per block: compensation absorbs the rest, so a short grid suffices. */
    private static final float[] SHRINK = {1f, 0.95f, 0.9f, 0.85f, 0.8f, 0.7f};
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude below 2²² to the nearest integer, ties to even. */
    private static final float ROUND = 12582912f;

    /** {@link #choose(float[], int, boolean, int)} with a float32 scale. */
    static BlockQuantizer.BlockCode choose(float[] x, int len, boolean symmetric) {
        return choose(x, len, symmetric, TensorProto.DataType.FLOAT_VALUE);
    }

    /**
     * The block's code for one value vector {@code x[0 .. len)}: what {@link #chooseBlock} picks for one column, its
     * scale already rounded to {@code scaleType}. For tests and the reference algorithm.
     */
    static BlockQuantizer.BlockCode choose(float[] x, int len, boolean symmetric, int scaleType) {
        float[][] rows = new float[len][1];
        for (int j = 0; j < len; j++) {
            rows[j][0] = x[j];
        }
        ColumnState state = new ColumnState(1, Math.max(len, 1));
        chooseBlock(rows, len, 1, symmetric, scaleType, state);
        return new BlockQuantizer.BlockCode(state.scale[0], (int) state.zero[0]);
    }

    /**
     * Each column's code for the block {@code x[0 .. len)[0 .. width)} into {@code state.scale/inverse/zero}: the
     * range (symmetric: ±max|x|, asymmetric: [min, max] with 0 inside) shrunk by the factor of {@link #SHRINK} with
     * the smallest squared error, then the scale refitted by least squares for the codes it gives. Every candidate
     * scale is rounded to {@code scaleType} (the type it is stored in) before its codes and error are computed, so
     * the search compares what the kernel will decode. A shorter search than {@link BlockQuantizer#choose}, since
     * GPTQ's compensation does most of the work; it runs for all columns at once so that every loop is over
     * contiguous columns.
     */
    private static void chooseBlock(float[][] x, int len, int width, boolean symmetric, int scaleType,
                                    ColumnState state) {
        boolean rounded = scaleType != TensorProto.DataType.FLOAT_VALUE;
        float maxCode = state.maxCode;
        float mid = state.mid;
        float[] min = state.min;
        float[] max = state.max;
        java.util.Arrays.fill(min, 0, width, 0f);
        java.util.Arrays.fill(max, 0, width, 0f);
        for (int u = 0; u < len; u++) {
            float[] row = x[u];
            for (int col = 0; col < width; col++) {
                min[col] = Math.min(min[col], row[col]);
                max[col] = Math.max(max[col], row[col]);
            }
        }
        float[] best = state.best;
        java.util.Arrays.fill(best, 0, width, Float.MAX_VALUE);
        float[] scale = state.candidateScale;
        float[] inverse = state.candidateInverse;
        float[] zero = state.candidateZero;
        float[] error = state.error;
        for (float shrink : SHRINK) {
            for (int col = 0; col < width; col++) {
                float lo = min[col];
                float hi = max[col];
                float s = symmetric ? Math.max(-lo, hi) * shrink / (mid - 1f) : (hi - lo) * shrink / maxCode;
                if (rounded) {
                    s = TensorCodec.roundTo(scaleType, s);
                }
                float z = symmetric ? mid
                        : s > 0 ? Math.max(0f, Math.min(maxCode, ((-lo * shrink / s) + ROUND) - ROUND)) : mid;
                // a zero range, or a scale below the stored type's smallest: every code is the zero point
                if (!(s > 0) || Float.isInfinite(s)) {
                    s = 1f;
                    z = mid;
                }
                scale[col] = s;
                inverse[col] = 1f / s;
                zero[col] = z;
                error[col] = 0f;
            }
            accumulateError(x, len, width, scale, inverse, zero, error, maxCode);
            for (int col = 0; col < width; col++) {
                if (error[col] < best[col]) {
                    best[col] = error[col];
                    state.scale[col] = scale[col];
                    state.inverse[col] = inverse[col];
                    state.zero[col] = zero[col];
                }
            }
        }
        // least-squares scale for the chosen codes, kept where it lowers the error
        float[] numerator = state.numerator;
        float[] denominator = state.denominator;
        java.util.Arrays.fill(numerator, 0, width, 0f);
        java.util.Arrays.fill(denominator, 0, width, 0f);
        for (int u = 0; u < len; u++) {
            float[] row = x[u];
            for (int col = 0; col < width; col++) {
                float code = Math.max(0f, Math.min(maxCode, ((row[col] * state.inverse[col] + ROUND) - ROUND) + state.zero[col]))
                        - state.zero[col];
                numerator[col] += row[col] * code;
                denominator[col] += code * code;
            }
        }
        for (int col = 0; col < width; col++) {
            float refitted = denominator[col] > 0 && numerator[col] > 0 ? numerator[col] / denominator[col] : state.scale[col];
            if (rounded) {
                refitted = TensorCodec.roundTo(scaleType, refitted);
            }
            if (!(refitted > 0) || Float.isInfinite(refitted)) {
                refitted = state.scale[col];
            }
            scale[col] = refitted;
            inverse[col] = 1f / refitted;
            zero[col] = state.zero[col];
            error[col] = 0f;
        }
        accumulateError(x, len, width, scale, inverse, zero, error, maxCode);
        for (int col = 0; col < width; col++) {
            if (error[col] < best[col]) {
                state.scale[col] = scale[col];
                state.inverse[col] = inverse[col];
            }
        }
    }

    /** Adds each column's squared rounding error under the given codes to {@code error}. */
    private static void accumulateError(float[][] x, int len, int width, float[] scale, float[] inverse, float[] zero,
                                        float[] error, float maxCode) {
        for (int u = 0; u < len; u++) {
            float[] row = x[u];
            for (int col = 0; col < width; col++) {
                float q = Math.max(0f, Math.min(maxCode, ((row[col] * inverse[col] + ROUND) - ROUND) + zero[col]));
                float e = row[col] - (q - zero[col]) * scale[col];
                error[col] += e * e;
            }
        }
    }

    /** Per-thread scratch for a range of columns: the current block's values, codes and search state. */
    private static final class ColumnState {
        final float[][] compensation;
        /** The block's rows with the errors carried onto them so far. */
        final float[][] value;
        /** The block's rows of the weight as given (zero for dead inputs is applied where they are read). */
        final float[][] original;
        /** One row's dequantized values. */
        final float[] rounded;
        /** The rounding errors of the batch's rows, {@code w − q}. */
        final float[][] rowError;
        /** One row's coefficients for {@link #accumulate}. */
        final float[] factors;
        final byte[][] codes;
        final float[] scale;
        final float[] inverse;
        final float[] zero;
        final float[] min;
        final float[] max;
        final float[] best;
        final float[] candidateScale;
        final float[] candidateInverse;
        final float[] candidateZero;
        final float[] error;
        final float[] numerator;
        final float[] denominator;
        final int[] block;
        /** The largest code, {@code 2^bits − 1}. */
        final float maxCode;
        /** The symmetric (default) zero point, {@code 2^(bits−1)}. */
        final float mid;

        ColumnState(int width, int blockSize) {
            this(width, blockSize, blockSize, 4);
        }

        ColumnState(int width, int blockSize, int rows, int bits) {
            value = new float[blockSize][width];
            original = new float[blockSize][width];
            rounded = new float[width];
            rowError = new float[rows][width];
            factors = new float[rows];
            maxCode = (1 << bits) - 1;
            mid = 1 << (bits - 1);
            compensation = new float[blockSize][width];
            codes = new byte[blockSize][width];
            scale = new float[width];
            inverse = new float[width];
            zero = new float[width];
            min = new float[width];
            max = new float[width];
            best = new float[width];
            candidateScale = new float[width];
            candidateInverse = new float[width];
            candidateZero = new float[width];
            error = new float[width];
            numerator = new float[width];
            denominator = new float[width];
            block = new int[blockSize];
        }
    }

    /**
     * Rows {@code start .. start + rows} of columns {@code from .. to}, one row after the other, left-looking: a row
     * takes the errors of the batch's earlier rows just before it is needed — its block's rows when the block is
     * reached, then each row, when it is rounded, those of its own block's earlier rows — each sum accumulated in one
     * row of the tile, {@value #UNROLL} error rows per pass. Every value gets the same additions in the same order as
     * when each rounded row pushes its error onto all later rows at once, so the results are the same to the bit, with
     * a row of stores per {@value #UNROLL} error rows instead of one per error row.
     */
    private static void batch(float[] w, boolean[] dead, float[] c, int k, int n, int start, int rows, int from, int to,
                              int blockSize, boolean symmetric, int scaleType, float[] current, float[] errors,
                              float[] decoded, PackedMatrix matrix, ColumnState state) {
        // every loop over columns indexes all its arrays alike, tile-local ones: C2 vectorizes such loops only (an
        // offset into a shared array makes it assume the arrays may overlap); copies to and from the [k, n] arrays are
        // System.arraycopy
        int width = to - from;
        float[][] x = state.compensation;
        float[][] value = state.value;
        float[][] original = state.original;
        float[][] error = state.rowError;
        float[] factors = state.factors;
        float[] rounded = state.rounded;
        for (int t = 0; t < rows; t++) {
            int i = start + t;
            int block = i / blockSize;
            int within = i % blockSize;
            int first = t - within;
            if (within == 0) {
                int len = Math.min(blockSize, k - i);
                for (int u = 0; u < len; u++) {
                    // the row as the batch's rows before the block leave it
                    float[] row = value[u];
                    System.arraycopy(current, (t + u) * n + from, row, 0, width);
                    System.arraycopy(c, (i + u) * k + start, factors, 0, t);
                    accumulate(row, factors, error, 0, t, width);
                    // the block's rows as GPTQ's row-by-row updates leave them when the block is reached: the errors
                    // of the rows before it carried over optimally (a forward substitution over the block), not just
                    // summed
                    float[] target = x[u];
                    float[] weights = original[u];
                    System.arraycopy(w, (i + u) * n + from, weights, 0, width);
                    if (dead[i + u]) {
                        System.arraycopy(row, 0, target, 0, width);
                    } else {
                        for (int col = 0; col < width; col++) {
                            target[col] = row[col] - weights[col];
                        }
                    }
                    int coefficients = (i + u) * k + i;
                    for (int v = 0; v < u; v++) {
                        factors[v] = -c[coefficients + v];
                    }
                    accumulate(target, factors, x, 0, u, width);
                }
                for (int u = len - 1; u >= 0; u--) {
                    // back to values (earlier rows' compensation is still needed above, so from the last row up)
                    if (!dead[i + u]) {
                        float[] target = x[u];
                        float[] weights = original[u];
                        for (int col = 0; col < width; col++) {
                            target[col] += weights[col];
                        }
                    }
                }
                chooseBlock(x, len, width, symmetric, scaleType, state);
            }
            // the row with the errors of its block's earlier rows
            float[] row = value[within];
            System.arraycopy(c, i * k + start + first, factors, 0, within);
            accumulate(row, factors, error, first, within, width);
            byte[] codes = state.codes[within];
            float[] rowError = error[t];
            float maxCode = state.maxCode;
            float[] zero = state.zero;
            float[] inverse = state.inverse;
            float[] scale = state.scale;
            for (int col = 0; col < width; col++) {
                float z = zero[col];
                float q = Math.max(0f, Math.min(maxCode, ((row[col] * inverse[col] + ROUND) - ROUND) + z));
                codes[col] = (byte) q;
                float d = (q - z) * scale[col];
                rounded[col] = d;
                rowError[col] = -d;
            }
            if (!dead[i]) {
                float[] weights = original[within];
                for (int col = 0; col < width; col++) {
                    rowError[col] += weights[col];
                }
            }
            System.arraycopy(rounded, 0, decoded, i * n + from, width);
            System.arraycopy(rowError, 0, errors, t * n + from, width);
            if (within == blockSize - 1 || i == k - 1) {
                int len = within + 1;
                for (int col = 0; col < width; col++) {
                    int zeroPoint = (int) zero[col];
                    for (int j = 0; j < blockSize; j++) {
                        state.block[j] = j < len ? state.codes[j][col] & 0xff : zeroPoint;
                    }
                    matrix.put(from + col, block, new BlockQuantizer.BlockCode(scale[col], zeroPoint), state.block);
                }
            }
        }
    }

    /** Error rows summed per pass of {@link #accumulate}. */
    private static final int UNROLL = 4;

    /**
     * {@code target[col] += factors[s − offset]·rows[s][col]} for {@code s} in {@code offset .. offset + count}, in
     * that order for every column, {@value #UNROLL} rows per pass over {@code target}.
     */
    private static void accumulate(float[] target, float[] factors, float[][] rows, int offset, int count, int width) {
        int s = 0;
        for (; s + UNROLL <= count; s += UNROLL) {
            float f0 = factors[s];
            float f1 = factors[s + 1];
            float f2 = factors[s + 2];
            float f3 = factors[s + 3];
            float[] e0 = rows[offset + s];
            float[] e1 = rows[offset + s + 1];
            float[] e2 = rows[offset + s + 2];
            float[] e3 = rows[offset + s + 3];
            for (int col = 0; col < width; col++) {
                target[col] = (((target[col] + f0 * e0[col]) + f1 * e1[col]) + f2 * e2[col]) + f3 * e3[col];
            }
        }
        for (; s < count; s++) {
            float f = factors[s];
            float[] e = rows[offset + s];
            for (int col = 0; col < width; col++) {
                target[col] += f * e[col];
            }
        }
    }

    /**
     * Blocked right-looking Cholesky of the lower triangle of {@code a} (row-major {@code [k, k]}), in place:
     * panels of {@value #PANEL} columns, the diagonal block in double, the panel below it and the trailing update
     * as matrix products.
     *
     * @return false when a pivot is not positive (the matrix is not positive definite)
     */
    static boolean choleskyInPlace(float[] a, int k, MatrixProducts products) {
        FloatBuffer panel = products.allocate(Math.multiplyExact(Math.max(1, k - Math.min(k, PANEL)), PANEL));
        FloatBuffer right = products.allocate(PANEL * PANEL);
        FloatBuffer out = products.allocate(Math.multiplyExact(Math.max(1, k - Math.min(k, PANEL)), PANEL));
        float[] rows = new float[PANEL * PANEL];
        float[] columns = new float[PANEL * PANEL];
        float[] target = new float[PANEL];
        float[] update = new float[PANEL];
        for (int p0 = 0; p0 < k; p0 += PANEL) {
            int p1 = Math.min(k, p0 + PANEL);
            int width = p1 - p0;
            double[] diagonal = new double[width * width];
            for (int r = 0; r < width; r++) {
                for (int s = 0; s <= r; s++) {
                    diagonal[r * width + s] = a[(p0 + r) * k + p0 + s];
                }
            }
            if (!choleskyInPlace(diagonal, width)) {
                return false;
            }
            for (int r = 0; r < width; r++) {
                for (int s = 0; s <= r; s++) {
                    a[(p0 + r) * k + p0 + s] = (float) diagonal[r * width + s];
                }
            }
            int m = k - p1;
            if (m == 0) {
                break;
            }
            // A21 ← A21 · L11⁻ᵀ, as a product with the explicit inverse's transpose
            double[][] inverse = lowerInverse(diagonal, width);
            for (int r = 0; r < width; r++) {
                for (int s = 0; s < width; s++) {
                    columns[r * width + s] = (float) inverse[s][r];
                }
            }
            right.put(0, columns, 0, width * width);
            for (int r = 0; r < m; r++) {
                panel.put(r * width, a, (p1 + r) * k + p0, width);
            }
            products.multiply(panel.slice(0, m * width), right.slice(0, width * width), out.slice(0, m * width), m, width, width);
            for (int r = 0; r < m; r++) {
                out.get(r * width, a, (p1 + r) * k + p0, width);
            }
            FloatBuffer solved = out;
            out = panel;
            panel = solved;
            // A22 ← A22 − A21·A21ᵀ, lower triangle only: one column panel of A22 at a time; buffers are read and written
            // in bulk, and each row's subtraction runs on two scratch rows indexed alike, which C2 vectorizes
            for (int s0 = 0; s0 < m; s0 += PANEL) {
                int s1 = Math.min(m, s0 + PANEL);
                int h = s1 - s0;
                panel.get(s0 * width, rows, 0, h * width);
                for (int r = 0; r < width; r++) {
                    for (int s = 0; s < h; s++) {
                        columns[r * h + s] = rows[s * width + r];
                    }
                }
                right.put(0, columns, 0, width * h);
                int below = m - s0;
                products.multiply(panel.slice(s0 * width, below * width), right.slice(0, width * h),
                        out.slice(0, below * h), below, width, h);
                for (int r = 0; r < below; r++) {
                    int row = (p1 + s0 + r) * k + p1 + s0;
                    int limit = Math.min(h, r + 1);
                    System.arraycopy(a, row, target, 0, limit);
                    out.get(r * h, update, 0, limit);
                    for (int s = 0; s < limit; s++) {
                        target[s] -= update[s];
                    }
                    System.arraycopy(target, 0, a, row, limit);
                }
            }
        }
        return true;
    }

    /** Unblocked lower Cholesky of a small dense {@code [k, k]} matrix, in place; false when not positive definite. */
    private static boolean choleskyInPlace(double[] l, int k) {
        for (int j = 0; j < k; j++) {
            double sum = l[j * k + j];
            for (int p = 0; p < j; p++) {
                sum -= l[j * k + p] * l[j * k + p];
            }
            if (!(sum > 0) || Double.isInfinite(sum)) {
                return false;
            }
            double d = Math.sqrt(sum);
            l[j * k + j] = d;
            int pivot = j * k;
            int i = j + 1;
            // four rows at once: four independent chains of additions, each in the order of p
            for (; i + 4 <= k; i += 4) {
                int r0 = i * k;
                int r1 = r0 + k;
                int r2 = r1 + k;
                int r3 = r2 + k;
                double s0 = l[r0 + j];
                double s1 = l[r1 + j];
                double s2 = l[r2 + j];
                double s3 = l[r3 + j];
                for (int p = 0; p < j; p++) {
                    double y = l[pivot + p];
                    s0 -= l[r0 + p] * y;
                    s1 -= l[r1 + p] * y;
                    s2 -= l[r2 + p] * y;
                    s3 -= l[r3 + p] * y;
                }
                l[r0 + j] = s0 / d;
                l[r1 + j] = s1 / d;
                l[r2 + j] = s2 / d;
                l[r3 + j] = s3 / d;
            }
            for (; i < k; i++) {
                double s = l[i * k + j];
                for (int p = 0; p < j; p++) {
                    s -= l[i * k + p] * l[pivot + p];
                }
                l[i * k + j] = s / d;
            }
        }
        return true;
    }

    /**
     * The inverse of a lower-triangular {@code [k, k]} matrix (lower triangle of {@code l}), by rows: row {@code i} is
     * {@code (e_i − Σ_{p<i} l_ip·row_p) / l_ii}, the rows summed in order of {@code p}, each entry's terms in the order
     * of the entry-by-entry substitution.
     */
    private static double[][] lowerInverse(double[] l, int k) {
        double[][] inverse = new double[k][k];
        for (int i = 0; i < k; i++) {
            double[] row = inverse[i];
            for (int p = 0; p < i; p++) {
                double factor = l[i * k + p];
                double[] earlier = inverse[p];
                // entries right of p are zero in the earlier row
                for (int j = 0; j <= p; j++) {
                    row[j] -= factor * earlier[j];
                }
            }
            double pivot = l[i * k + i];
            for (int j = 0; j < i; j++) {
                row[j] /= pivot;
            }
            row[i] = 1 / pivot;
        }
        return inverse;
    }

    /**
     * Turns the lower Cholesky factor {@code L} of the index-reversed matrix into the coefficients: with
     * {@code R_ji = L[k-1-j][k-1-i]}, entry {@code [i, j]} ({@code j < i}) becomes {@code R_ji / R_ii}. The map
     * {@code (i, j) → (k-1-j, k-1-i)} pairs up the strict lower triangle, so it is done by swapping.
     */
    private static void toCoefficients(float[] a, int k) {
        float[] diagonal = new float[k];
        for (int i = 0; i < k; i++) {
            diagonal[i] = a[(k - 1 - i) * k + (k - 1 - i)];
        }
        // square tiles of the triangle, so that a tile and its partner stay in cache while they swap
        IntStream.range(0, (k + SWAP_TILE - 1) / SWAP_TILE).parallel().forEach(tile -> {
            int i0 = tile * SWAP_TILE;
            int i1 = Math.min(k, i0 + SWAP_TILE);
            for (int j0 = 0; j0 < i1; j0 += SWAP_TILE) {
                int j1 = Math.min(i1, j0 + SWAP_TILE);
                for (int i = Math.max(i0, 1); i < i1; i++) {
                    int limit = Math.min(j1, i);
                    for (int j = j0; j < limit; j++) {
                        int pi = k - 1 - j;
                        int pj = k - 1 - i;
                        // each pair once: the one with the smaller (row, column) in row-major order swaps
                        if (i * k + j < pi * k + pj) {
                            int x = i * k + j;
                            int y = pi * k + pj;
                            float t = a[x];
                            a[x] = a[y];
                            a[y] = t;
                        }
                    }
                }
            }
        });
        IntStream.range(1, k).parallel().forEach(i -> {
            float scale = 1 / diagonal[i];
            int row = i * k;
            for (int j = 0; j < i; j++) {
                a[row + j] *= scale;
            }
        });
    }
}
