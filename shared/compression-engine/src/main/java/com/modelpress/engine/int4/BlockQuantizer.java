package com.modelpress.engine.int4;

import java.util.stream.IntStream;

/**
 * Chooses 4-bit codes, scales and zero points block by block. Rather than taking min/max as is, each block's
 * range is searched (shrunk step by step, then the scale refitted by least squares for the chosen codes) and
 * the candidate with the smallest squared error wins: the clipping a min/max quantizer never tries.
 *
 * <p>Stateless; thread-safe. Uses the common fork-join pool.
 */
public final class BlockQuantizer {

    private static final int SHRINK_STEPS = 12;
    private static final float SHRINK_STEP = 0.025f;

    private BlockQuantizer() {
    }

    /**
     * Quantizes {@code w}, a row-major {@code [k, n]} matrix, into MatMulNBits layout.
     *
     * @param decoded receives the dequantized {@code [k, n]} matrix (what ONNX Runtime will compute with)
     */
    public static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, float[] decoded) {
        int blocks = MatMulNBitsWeights.blocksFor(k, blockSize);
        PackedMatrix matrix = new PackedMatrix(k, n, blockSize, symmetric);
        // columns are independent and write disjoint bytes: quantize them in parallel
        IntStream.range(0, n).parallel().forEach(col -> {
            float[] x = new float[blockSize];
            int[] q = new int[blockSize];
            for (int block = 0; block < blocks; block++) {
                int start = block * blockSize;
                int len = Math.min(blockSize, k - start);
                for (int j = 0; j < blockSize; j++) {
                    x[j] = j < len ? w[(start + j) * n + col] : 0f;
                }
                BlockCode code = choose(x, len, symmetric);
                for (int j = 0; j < blockSize; j++) {
                    q[j] = j < len ? quantize(x[j], code.scale, code.zeroPoint) : code.zeroPoint;
                }
                matrix.put(col, block, code, q);
                for (int j = 0; j < len; j++) {
                    decoded[(start + j) * n + col] = (q[j] - code.zeroPoint) * code.scale;
                }
            }
        });
        return matrix.build();
    }

    /** The best code for the first {@code len} values of {@code x}. */
    static BlockCode choose(float[] x, int len, boolean symmetric) {
        return symmetric ? symmetric(x, len) : asymmetric(x, len);
    }

    record BlockCode(float scale, int zeroPoint) {}

    static int quantize(float x, float scale, int zeroPoint) {
        if (scale == 0) {
            return zeroPoint;
        }
        return (int) Math.max(0, Math.min(15, Math.rint(x / scale) + zeroPoint));
    }

    /** Codes 0..15 with an integer zero point: x ≈ (q − zp)·s. */
    static BlockCode asymmetric(float[] x, int len) {
        float min = 0;
        float max = 0;
        for (int j = 0; j < len; j++) {
            min = Math.min(min, x[j]);
            max = Math.max(max, x[j]);
        }
        if (max == min) {
            return new BlockCode(1f, 8);
        }
        BlockCode best = null;
        double bestError = Double.MAX_VALUE;
        for (int step = 0; step < SHRINK_STEPS; step++) {
            float shrink = 1f - step * SHRINK_STEP;
            float lo = min * shrink;
            float hi = max * shrink;
            float scale = (hi - lo) / 15f;
            int zp = (int) Math.max(0, Math.min(15, Math.rint(-lo / scale)));
            BlockCode candidate = new BlockCode(scale, zp);
            for (int round = 0; round < 3 && candidate != null; round++) {
                double error = error(x, len, candidate);
                if (error < bestError) {
                    bestError = error;
                    best = candidate;
                }
                BlockCode rescaled = refit(x, len, candidate.scale, candidate.zeroPoint);
                double rescaledError = error(x, len, rescaled);
                if (rescaledError < bestError) {
                    bestError = rescaledError;
                    best = rescaled;
                }
                candidate = refitAffine(x, len, candidate);
            }
        }
        return best;
    }

    /**
     * Least squares for scale and a free offset given the codes {@code code} produces, then the offset rounded
     * to an integer zero point and the scale refitted for it; null when degenerate.
     */
    private static BlockCode refitAffine(float[] x, int len, BlockCode code) {
        double sq = 0, sqq = 0, sx = 0, sqx = 0;
        for (int j = 0; j < len; j++) {
            int q = quantize(x[j], code.scale, code.zeroPoint);
            sq += q;
            sqq += (double) q * q;
            sx += x[j];
            sqx += (double) q * x[j];
        }
        double det = len * sqq - sq * sq;
        if (det == 0) {
            return null;
        }
        double scale = (len * sqx - sq * sx) / det;
        double offset = (sx - scale * sq) / len;
        if (!(scale > 0)) {
            return null;
        }
        int zp = (int) Math.max(0, Math.min(15, Math.rint(-offset / scale)));
        return refit(x, len, (float) scale, zp);
    }

    /** Codes −8..7 stored as 0..15 with the implicit zero point 8: x ≈ (q − 8)·s. */
    static BlockCode symmetric(float[] x, int len) {
        float extreme = 0;
        for (int j = 0; j < len; j++) {
            if (Math.abs(x[j]) > Math.abs(extreme)) {
                extreme = x[j];
            }
        }
        if (extreme == 0) {
            return new BlockCode(1f, 8);
        }
        BlockCode best = null;
        double bestError = Double.MAX_VALUE;
        for (int step = 0; step < SHRINK_STEPS; step++) {
            float shrink = 1f - step * SHRINK_STEP;
            // map the extreme value onto -8 (uses the extra negative code) or onto ±7
            float[] scales = {-extreme * shrink / 8f, Math.abs(extreme) * shrink / 7f};
            for (float scale : scales) {
                for (BlockCode candidate : new BlockCode[]{new BlockCode(scale, 8), refit(x, len, scale, 8)}) {
                    double error = error(x, len, candidate);
                    if (error < bestError) {
                        bestError = error;
                        best = candidate;
                    }
                }
            }
        }
        return best;
    }

    /** Least-squares scale for the codes {@code scale} and {@code zp} produce. */
    private static BlockCode refit(float[] x, int len, float scale, int zp) {
        double numerator = 0;
        double denominator = 0;
        for (int j = 0; j < len; j++) {
            int c = quantize(x[j], scale, zp) - zp;
            numerator += (double) x[j] * c;
            denominator += (double) c * c;
        }
        if (denominator == 0 || numerator == 0) {
            return new BlockCode(scale, zp);
        }
        return new BlockCode((float) (numerator / denominator), zp);
    }

    private static double error(float[] x, int len, BlockCode code) {
        double sum = 0;
        for (int j = 0; j < len; j++) {
            double e = x[j] - (quantize(x[j], code.scale, code.zeroPoint) - code.zeroPoint) * (double) code.scale;
            sum += e * e;
        }
        return sum;
    }
}
