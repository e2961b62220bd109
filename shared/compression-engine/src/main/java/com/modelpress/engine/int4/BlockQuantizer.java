package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.modelpress.engine.graph.TensorCodec;

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
        return quantize(w, k, n, blockSize, symmetric, false, null, decoded);
    }

    /**
     * @param roundToNearest plain min/max rounding instead of the search (the baseline)
     * @param importance     nullable: a weight per row of {@code w} (per input channel), e.g. the diagonal of the
     *                       calibration activations' {@code XᵀX}; the search then minimises the weighted error
     */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, boolean roundToNearest,
                                       double[] importance, float[] decoded) {
        return quantize(w, k, n, blockSize, symmetric, roundToNearest, importance, TensorProto.DataType.FLOAT_VALUE, decoded);
    }

    /** @param scaleType the ONNX float type scales are stored in; each scale is rounded to it before codes are chosen */
    static MatMulNBitsWeights quantize(float[] w, int k, int n, int blockSize, boolean symmetric, boolean roundToNearest,
                                       double[] importance, int scaleType, float[] decoded) {
        int blocks = MatMulNBitsWeights.blocksFor(k, blockSize);
        PackedMatrix matrix = new PackedMatrix(k, n, blockSize, symmetric);
        // columns are independent and write disjoint bytes: quantize them in parallel
        IntStream.range(0, n).parallel().forEach(col -> {
            float[] x = new float[blockSize];
            double[] weight = importance == null ? null : new double[blockSize];
            int[] q = new int[blockSize];
            for (int block = 0; block < blocks; block++) {
                int start = block * blockSize;
                int len = Math.min(blockSize, k - start);
                for (int j = 0; j < blockSize; j++) {
                    x[j] = j < len ? w[(start + j) * n + col] : 0f;
                    if (weight != null) {
                        weight[j] = j < len ? importance[start + j] : 0;
                    }
                }
                BlockCode code = stored(roundToNearest ? roundToNearest(x, len, symmetric) : choose(x, len, symmetric, weight),
                        scaleType);
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
        return choose(x, len, symmetric, null);
    }

    /**
     * The code minimising {@code Σ weight[j]·(x[j] − x̂[j])²}: with the activation energy of each input channel as
     * weight, the error that matters for the layer's output (activation-aware); {@code null} weighs all alike.
     */
    static BlockCode choose(float[] x, int len, boolean symmetric, double[] weight) {
        return symmetric ? symmetric(x, len, weight) : asymmetric(x, len, weight);
    }

    /**
     * Plain round-to-nearest over the block's range, the baseline every search is measured against: asymmetric
     * maps [min(x, 0), max(x, 0)] onto 0..15 with an integer zero point; symmetric maps ±max|x| onto ±7.
     */
    static BlockCode roundToNearest(float[] x, int len, boolean symmetric) {
        float min = 0;
        float max = 0;
        for (int j = 0; j < len; j++) {
            min = Math.min(min, x[j]);
            max = Math.max(max, x[j]);
        }
        if (symmetric) {
            float absMax = Math.max(-min, max);
            return new BlockCode(absMax == 0 ? 1f : absMax / 7f, 8);
        }
        if (max == min) {
            return new BlockCode(1f, 8);
        }
        float scale = (max - min) / 15f;
        return new BlockCode(scale, (int) Math.max(0, Math.min(15, Math.rint(-min / scale))));
    }

    record BlockCode(float scale, int zeroPoint) {}

    /** {@code code} with its scale as stored in {@code scaleType}, which is what the kernel decodes with. */
    static BlockCode stored(BlockCode code, int scaleType) {
        return scaleType == TensorProto.DataType.FLOAT_VALUE ? code
                : new BlockCode(TensorCodec.roundTo(scaleType, code.scale()), code.zeroPoint());
    }

    static int quantize(float x, float scale, int zeroPoint) {
        if (scale == 0) {
            return zeroPoint;
        }
        return (int) Math.max(0, Math.min(15, Math.rint(x / scale) + zeroPoint));
    }

    /** Codes 0..15 with an integer zero point: x ≈ (q − zp)·s. */
    static BlockCode asymmetric(float[] x, int len, double[] weight) {
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
                double error = error(x, len, candidate, weight);
                if (error < bestError) {
                    bestError = error;
                    best = candidate;
                }
                BlockCode rescaled = refit(x, len, candidate.scale, candidate.zeroPoint, weight);
                double rescaledError = error(x, len, rescaled, weight);
                if (rescaledError < bestError) {
                    bestError = rescaledError;
                    best = rescaled;
                }
                candidate = refitAffine(x, len, candidate, weight);
            }
        }
        return best;
    }

    /**
     * Least squares for scale and a free offset given the codes {@code code} produces, then the offset rounded
     * to an integer zero point and the scale refitted for it; null when degenerate.
     */
    private static BlockCode refitAffine(float[] x, int len, BlockCode code, double[] weight) {
        double sw = 0, sq = 0, sqq = 0, sx = 0, sqx = 0;
        for (int j = 0; j < len; j++) {
            double w = weight == null ? 1 : weight[j];
            int q = quantize(x[j], code.scale, code.zeroPoint);
            sw += w;
            sq += w * q;
            sqq += w * q * q;
            sx += w * x[j];
            sqx += w * q * x[j];
        }
        double det = sw * sqq - sq * sq;
        if (det == 0) {
            return null;
        }
        double scale = (sw * sqx - sq * sx) / det;
        double offset = (sx - scale * sq) / sw;
        if (!(scale > 0)) {
            return null;
        }
        int zp = (int) Math.max(0, Math.min(15, Math.rint(-offset / scale)));
        return refit(x, len, (float) scale, zp, weight);
    }

    /** Codes −8..7 stored as 0..15 with the implicit zero point 8: x ≈ (q − 8)·s. */
    static BlockCode symmetric(float[] x, int len, double[] weight) {
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
                for (BlockCode candidate : new BlockCode[]{new BlockCode(scale, 8), refit(x, len, scale, 8, weight)}) {
                    double error = error(x, len, candidate, weight);
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
    private static BlockCode refit(float[] x, int len, float scale, int zp, double[] weight) {
        double numerator = 0;
        double denominator = 0;
        for (int j = 0; j < len; j++) {
            double w = weight == null ? 1 : weight[j];
            int c = quantize(x[j], scale, zp) - zp;
            numerator += w * x[j] * c;
            denominator += w * c * c;
        }
        if (denominator == 0 || numerator == 0) {
            return new BlockCode(scale, zp);
        }
        return new BlockCode((float) (numerator / denominator), zp);
    }

    private static double error(float[] x, int len, BlockCode code, double[] weight) {
        double sum = 0;
        for (int j = 0; j < len; j++) {
            double e = x[j] - (quantize(x[j], code.scale, code.zeroPoint) - code.zeroPoint) * (double) code.scale;
            sum += (weight == null ? 1 : weight[j]) * e * e;
        }
        return sum;
    }
}
