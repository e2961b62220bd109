package com.modelpress.engine.quant;

import com.modelpress.engine.graph.TensorCodec;

import java.util.stream.IntStream;

/**
 * Symmetric 8-bit block quantization of a {@code [K, N]} matrix along K, in {@code MatMulNBits(bits=8)} layout:
 * codes {@code q ∈ [-127, 127]} stored as {@code q + 128} (the kernels' default zero point), one scale per block of
 * each output column. Each block's scale is searched over a few clipping ratios (the one with the smallest squared
 * error wins) and rounded to the type it is stored in before the codes are chosen, so the decoded values are the
 * ones ONNX Runtime computes with. Per block rather than per channel because LLM weights carry outliers that one
 * scale per column spreads over all of K: on tinylm (fp16) per-channel int8 measured KL 1.6e-4 against 3.4e-5 for
 * blocks of 32.
 *
 * <p>Stateless; thread-safe. Uses the common fork-join pool.
 */
public final class Int8Blocks {

    private static final float[] CLIP_RATIOS = {1.0f, 0.98f, 0.96f, 0.94f, 0.92f, 0.9f, 0.87f, 0.84f};

    private Int8Blocks() {
    }

    /**
     * @param w         row-major {@code [k, n]}, not modified
     * @param scaleType the ONNX float type the scales are stored in
     * @param decoded   receives the dequantized {@code [k, n]} matrix
     */
    public static NBitsEncodings.Packed quantize(float[] w, int k, int n, int blockSize, int scaleType, float[] decoded) {
        int blocks = (k + blockSize - 1) / blockSize;
        byte[] data = new byte[n * blocks * blockSize];
        float[] scales = new float[n * blocks];
        java.util.Arrays.fill(data, (byte) 128);
        IntStream.range(0, n).parallel().forEach(col -> {
            for (int block = 0; block < blocks; block++) {
                int start = block * blockSize;
                int len = Math.min(blockSize, k - start);
                float absMax = 0;
                for (int j = 0; j < len; j++) {
                    absMax = Math.max(absMax, Math.abs(w[(start + j) * n + col]));
                }
                float best = 0;
                if (absMax > 0) {
                    double bestError = Double.MAX_VALUE;
                    for (float ratio : CLIP_RATIOS) {
                        float scale = TensorCodec.roundTo(scaleType, absMax * ratio / 127f);
                        if (scale == 0) {
                            continue;
                        }
                        double error = 0;
                        for (int j = 0; j < len && error < bestError; j++) {
                            float x = w[(start + j) * n + col];
                            float r = code(x, scale) * scale;
                            error += (x - r) * (x - r);
                        }
                        if (error < bestError) {
                            bestError = error;
                            best = scale;
                        }
                    }
                }
                scales[col * blocks + block] = best;
                int base = (col * blocks + block) * blockSize;
                for (int j = 0; j < len; j++) {
                    int q = best == 0 ? 0 : code(w[(start + j) * n + col], best);
                    data[base + j] = (byte) (q + 128);
                    decoded[(start + j) * n + col] = q * best;
                }
            }
        });
        return new NBitsEncodings.Packed(8, blockSize, k, n, data, scales, null, scaleType);
    }

    private static int code(float x, float scale) {
        return (int) Math.max(-127, Math.min(127, Math.rint(x / scale)));
    }
}
