package com.modelpress.engine.int4;

import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Sqnr;

import java.util.stream.IntStream;

/**
 * A lookup table {@code [V, D]} stored as 4-bit codes with a float16 scale and offset per block of each row:
 * {@code x ≈ q·s + m}, {@code q ∈ [0, 15]}. Row {@code v}'s byte {@code j} holds element {@code j} in its low
 * nibble and element {@code j + D/2} in its high nibble, so decoding needs only standard ops (Gather, Cast,
 * Floor, Sub, Concat, Reshape — opset 11) and touches just the looked-up rows; a table read as float16 or bfloat16
 * is decoded in float32 and cast. The fallback for tables {@code GatherBlockQuantized} cannot decode. The offset is a free float,
 * not an integer zero point, which fits skewed rows better. The codes, scales and offsets are {@link #quantize}'s; the
 * nodes that decode them, {@link GatherInt4Decode}'s.
 *
 * <p>Stateless.
 */
final class GatherInt4 {

    private static final int SHRINK_STEPS = 12;
    private static final float SHRINK_STEP = 0.025f;

    private GatherInt4() {
    }

    static boolean supports(Weight weight, int blockSize, RewriteScope scope) {
        long d = weight.dims()[1];
        return scope.opset() >= 11 && d % blockSize == 0 && d % 2 == 0;
    }

    /**
     * The table's 4-bit rows, and the nodes that decode them in place of each {@code Gather} that reads it.
     *
     * @param roundToNearest each block's plain min/max range instead of the searched one (rounding {@code rtn})
     */
    static TensorReport encode(Weight weight, float[] values, int blockSize, boolean roundToNearest, RewriteScope scope) {
        Rows rows = quantize(values, Math.toIntExact(weight.dims()[0]), Math.toIntExact(weight.dims()[1]), blockSize,
                roundToNearest);
        GatherInt4Decode.replace(weight, rows, scope);
        scope.decoded(weight, rows.decoded());
        return new TensorReport(weight.name(), "int4", "Gather+4-bit rows (fp16 scale/offset)", 4, blockSize,
                values.length, weight.storedBytes(), rows.storedBytes(), Sqnr.decibels(values, rows.decoded()), null);
    }

    /**
     * A table's rows in 4-bit codes: the arithmetic, no graph.
     *
     * @param rows      {@code V}
     * @param width     {@code D}, even and a whole number of blocks
     * @param blockSize elements per block of a row
     * @param packed    {@code [V, D/2]}: row {@code v}'s byte {@code j} holds element {@code j} in its low nibble and
     *                  element {@code j + D/2} in its high nibble
     * @param scales    {@code [V, D/blockSize]}, rounded to float16 as stored
     * @param offsets   {@code [V, D/blockSize]}, rounded to float16 as stored
     * @param decoded   {@code [V, D]}: what the graph decodes, {@code q·s + m}
     */
    record Rows(int rows, int width, int blockSize, byte[] packed, float[] scales, float[] offsets, float[] decoded) {

        int blocks() {
            return width / blockSize;
        }

        /** Bytes of the codes and of the float16 scales and offsets. */
        long storedBytes() {
            return packed.length + 4L * scales.length;
        }
    }

    /** {@code values} ({@code [v, d]}, row-major) in 4-bit codes, each block's scale and offset fitted to it. */
    static Rows quantize(float[] values, int v, int d, int blockSize, boolean roundToNearest) {
        int blocks = d / blockSize;
        int half = d / 2;
        byte[] packed = new byte[v * half];
        float[] scales = new float[v * blocks];
        float[] offsets = new float[v * blocks];
        float[] decoded = new float[values.length];
        // rows are independent and write disjoint bytes: quantize them in parallel
        IntStream.range(0, v).parallel().forEach(row -> {
            int[] codes = new int[d];
            float[] block = new float[blockSize];
            for (int b = 0; b < blocks; b++) {
                int start = row * d + b * blockSize;
                System.arraycopy(values, start, block, 0, blockSize);
                float[] fit = roundToNearest ? minMax(block) : fit(block);
                float scale = fit[0];
                float offset = fit[1];
                scales[row * blocks + b] = scale;
                offsets[row * blocks + b] = offset;
                for (int j = 0; j < blockSize; j++) {
                    int q = code(block[j], scale, offset);
                    codes[b * blockSize + j] = q;
                    decoded[start + j] = q * scale + offset;
                }
            }
            for (int j = 0; j < half; j++) {
                packed[row * half + j] = (byte) (codes[j] | (codes[j + half] << 4));
            }
        });
        return new Rows(v, d, blockSize, packed, scales, offsets, decoded);
    }

    /** Scale and offset mapping the block's [min, max] onto the 16 codes, both rounded to float16 as stored. */
    static float[] minMax(float[] x) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float value : x) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        return max == min ? new float[]{1f, half(min)} : new float[]{half((max - min) / 15f), half(min)};
    }

    /** Scale and offset for one block, both already rounded to float16 as they will be stored. */
    static float[] fit(float[] x) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float value : x) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        if (max == min) {
            return new float[]{1f, half(min)};
        }
        float bestScale = 0;
        float bestOffset = 0;
        double bestError = Double.MAX_VALUE;
        float mid = (min + max) / 2;
        for (int step = 0; step < SHRINK_STEPS; step++) {
            float shrink = 1f - step * SHRINK_STEP;
            float lo = mid - (mid - min) * shrink;
            float hi = mid + (max - mid) * shrink;
            float[] candidate = {half((hi - lo) / 15f), half(lo)};
            for (int refine = 0; refine < 3; refine++) {
                double error = error(x, candidate[0], candidate[1]);
                if (error < bestError) {
                    bestError = error;
                    bestScale = candidate[0];
                    bestOffset = candidate[1];
                }
                candidate = refit(x, candidate[0], candidate[1]);
                if (candidate == null) {
                    break;
                }
            }
        }
        return new float[]{bestScale, bestOffset};
    }

    /** Least squares for (s, m) given the codes the current (s, m) produce; null when degenerate. */
    private static float[] refit(float[] x, float scale, float offset) {
        int n = x.length;
        double sq = 0, sqq = 0, sx = 0, sqx = 0;
        for (float value : x) {
            int q = code(value, scale, offset);
            sq += q;
            sqq += (double) q * q;
            sx += value;
            sqx += (double) q * value;
        }
        double det = n * sqq - sq * sq;
        if (det == 0) {
            return null;
        }
        double s = (n * sqx - sq * sx) / det;
        double m = (sx - s * sq) / n;
        if (!(s > 0)) {
            return null;
        }
        return new float[]{half((float) s), half((float) m)};
    }

    private static double error(float[] x, float scale, float offset) {
        double sum = 0;
        for (float value : x) {
            double e = value - (code(value, scale, offset) * (double) scale + offset);
            sum += e * e;
        }
        return sum;
    }

    static int code(float x, float scale, float offset) {
        if (scale == 0) {
            return 0;
        }
        return (int) Math.max(0, Math.min(15, Math.rint((x - offset) / scale)));
    }

    private static float half(float value) {
        return Float.float16ToFloat(Float.floatToFloat16(value));
    }
}
