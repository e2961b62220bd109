package com.modelpress.engine.quant;

import com.modelpress.engine.graph.TensorCodec;

/**
 * Symmetric int8 quantization with one scale per slice along an axis, the range {@code [-127, 127]}
 * (zero point 0), and a clipping search per channel that minimises squared error.
 *
 * @param values   quantized values, same layout as the input
 * @param scales   one scale per channel, in channel order
 * @param decoded  {@code values × scale} — what ONNX Runtime will compute
 */
public record Int8Channels(byte[] values, float[] scales, float[] decoded) {

    private static final float[] CLIP_RATIOS = {1.0f, 0.97f, 0.94f, 0.91f, 0.88f, 0.85f};

    /**
     * @param data  the tensor, row-major
     * @param dims  its shape
     * @param axis  the channel axis; -1 for a single scale over the whole tensor
     */
    public static Int8Channels quantize(float[] data, long[] dims, int axis) {
        return quantize(data, dims, axis, 127);
    }

    /**
     * As {@link #quantize(float[], long[], int)} with codes limited to {@code [-maxCode, maxCode]}.
     *
     * @param maxCode at most 127; 63 keeps every pair of u8 × s8 products within int16, which x86 integer kernels
     *                without VNNI (AVX2, AVX-512F) need to not saturate
     */
    public static Int8Channels quantize(float[] data, long[] dims, int axis, int maxCode) {
        return quantize(data, dims, axis, maxCode, ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE);
    }

    /**
     * As {@link #quantize(float[], long[], int)} with every candidate scale rounded to {@code scaleType} (the type
     * it is stored in) before codes are chosen, so that {@code decoded} is what ONNX Runtime computes from the file.
     */
    public static Int8Channels quantizeStoredAs(float[] data, long[] dims, int axis, int scaleType) {
        return quantize(data, dims, axis, 127, scaleType);
    }

    private static Int8Channels quantize(float[] data, long[] dims, int axis, int maxCode, int scaleType) {
        if (maxCode < 1 || maxCode > 127) {
            throw new IllegalArgumentException("maxCode must be in [1, 127], not " + maxCode);
        }
        int channels = axis < 0 ? 1 : Math.toIntExact(dims[axis]);
        long innerLong = 1;
        if (axis >= 0) {
            for (int d = axis + 1; d < dims.length; d++) {
                innerLong *= dims[d];
            }
        } else {
            innerLong = data.length;
        }
        int inner = Math.toIntExact(innerLong);
        int outer = data.length / (channels * inner);
        byte[] q = new byte[data.length];
        float[] decoded = new float[data.length];
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            float absMax = 0;
            for (int o = 0; o < outer; o++) {
                int base = (o * channels + c) * inner;
                for (int i = 0; i < inner; i++) {
                    absMax = Math.max(absMax, Math.abs(data[base + i]));
                }
            }
            if (absMax == 0) {
                scales[c] = 1f; // all zeros: any scale reproduces them exactly
                continue;
            }
            double bestError = Double.MAX_VALUE;
            float best = TensorCodec.roundTo(scaleType, absMax / maxCode);
            for (float ratio : CLIP_RATIOS) {
                float scale = TensorCodec.roundTo(scaleType, absMax * ratio / maxCode);
                double error = 0;
                for (int o = 0; o < outer && error < bestError; o++) {
                    int base = (o * channels + c) * inner;
                    for (int i = 0; i < inner; i++) {
                        float x = data[base + i];
                        float r = clamp(Math.rint(x / scale), maxCode) * scale;
                        error += (x - r) * (x - r);
                    }
                }
                if (error < bestError) {
                    bestError = error;
                    best = scale;
                }
            }
            scales[c] = best;
            for (int o = 0; o < outer; o++) {
                int base = (o * channels + c) * inner;
                for (int i = 0; i < inner; i++) {
                    int v = clamp(Math.rint(data[base + i] / best), maxCode);
                    q[base + i] = (byte) v;
                    decoded[base + i] = v * best;
                }
            }
        }
        return new Int8Channels(q, scales, decoded);
    }

    private static int clamp(double v, int maxCode) {
        return (int) Math.max(-maxCode, Math.min(maxCode, v));
    }
}
