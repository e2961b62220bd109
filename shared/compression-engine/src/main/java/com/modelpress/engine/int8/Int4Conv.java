package com.modelpress.engine.int8;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.NibbleDecode;
import com.modelpress.engine.quant.PatchMoments;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * 4-bit codes for the large kernels of dense 2-D {@code Conv}s, at any opset: the codes (offset by 8 to
 * {@code [0, 15]}) are packed two per byte in a {@code uint8} initializer, the first half of the kernel in the high
 * nibbles and the second half in the low ones, and the graph decodes them with ops every opset from 6 has
 * ({@code Cast} to float, {@code Floor} of a sixteenth for the high nibbles, the rest for the low, {@code Concat},
 * {@code Sub 8}, {@code Mul} by one scale per block of taps of an output channel, float16 where the scales fit, and
 * {@code Reshape} to the kernel). ONNX Runtime folds that subgraph into a float kernel when it creates the session, so
 * the convolution runs as before while the file holds about 4.5 bits per weight. The codes are chosen as int8's are
 * ({@link CalibratedConv}: GPTQ on the im2col Hessian, bias correction, BatchNormalization folded first).
 *
 * <p>Depthwise, grouped and small kernels (fewer than {@link #MIN_FEATURES} taps per output channel, as in a stem or
 * a depthwise 3×3), and kernels under {@link #MIN_ELEMENTS}, stay int8: their few taps cannot spread a 4-bit error, and they are a small part of the file.
 * Stateless.
 */
public final class Int4Conv {

    /** Taps per output channel ({@code C·kH·kW}) below which a kernel stays int8. */
    public static final int MIN_FEATURES = 64;

    /**
     * Elements below which a kernel stays int8: the decode subgraph's nodes and constants take about a kilobyte, which
     * a kernel must save at least twice over.
     */
    public static final int MIN_ELEMENTS = 4096;

    /**
     * The least SQNR of a convolution's output on its calibration patches (about each channel's mean, biases
     * corrected) with 4-bit codes: 1 % of the output's energy as error; a kernel that scores less stays int8, as does
     * one without patch statistics (plain 4-bit rounding of the test CNN's two large kernels gave an output SQNR of
     * 5.7 dB, GPTQ and bias correction 10.5 dB).
     */
    public static final double MIN_OUTPUT_SQNR = 20;

    /** The high nibbles are the kernel's first half; the halves are concatenated on its one flat axis. */
    private static final NibbleDecode NIBBLES = new NibbleDecode(NibbleDecode.Order.HIGH_FIRST, 0);

    private static final float[] CLIP_RATIOS = {1.0f, 0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f};

    private Int4Conv() {
    }

    /** True when the weight is a dense {@code Conv} kernel large enough to take 4-bit codes. */
    public static boolean applies(Weight weight) {
        if (!CalibratedConv.applies(weight) || !weight.onlyUsedAs("Conv", 1)) {
            return false;
        }
        long[] dims = weight.dims();
        return Nodes.intAttribute(weight.uses().getFirst().node(), "group", 1) == 1
                && dims[1] * dims[2] * dims[3] >= MIN_FEATURES && weight.elements() >= MIN_ELEMENTS
                && weight.elements() % 2 == 0;
    }

    /**
     * The kernel in 4-bit codes on blocks of {@code blockSize} taps of each output channel (the whole channel where
     * its taps are not a whole number of blocks), with GPTQ and bias correction on {@code moment}; empty when it does
     * not {@link #applies apply}, when {@code moment} is null or does not fit it, or when the output would fall under
     * {@link #MIN_OUTPUT_SQNR}.
     */
    public static Optional<TensorReport> encode(Weight weight, float[] values, PatchMoments moment, RewriteScope scope,
                                                int blockSize) {
        if (!applies(weight)) {
            return Optional.empty();
        }
        return CalibratedConv.encode(weight, values, moment, scope, "int4", new CalibratedConv.Width(4, blockSize, MIN_OUTPUT_SQNR));
    }

    /** Taps per block: {@code blockSize} where it divides the channel's taps, else the whole channel. */
    static int block(int features, int blockSize) {
        return blockSize > 0 && features % blockSize == 0 ? blockSize : features;
    }

    /**
     * Plain rounding to codes in {@code [-8, 7]}, one scale per block of {@code block} taps, each searched over a few
     * clipping ratios for the least squared error; float16 scales (and codes rounded on them) where every scale is a
     * normal float16.
     */
    static CalibratedConv.Grid grid(float[] w, int channels, int features, int block) {
        int blocks = channels * (features / block);
        float[] scales = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            int base = b * block;
            float absMax = 0;
            for (int i = 0; i < block; i++) {
                absMax = Math.max(absMax, Math.abs(w[base + i]));
            }
            if (absMax == 0) {
                scales[b] = 1f;
                continue;
            }
            double bestError = Double.MAX_VALUE;
            for (float ratio : CLIP_RATIOS) {
                float scale = ratio * absMax / 7f;
                double error = 0;
                for (int i = 0; i < block; i++) {
                    double d = w[base + i] - code(w[base + i], scale) * scale;
                    error += d * d;
                }
                if (error < bestError) {
                    bestError = error;
                    scales[b] = scale;
                }
            }
        }
        if (halfScales(scales)) {
            for (int b = 0; b < blocks; b++) {
                scales[b] = Float.float16ToFloat(Float.floatToFloat16(scales[b]));
            }
        }
        byte[] codes = new byte[w.length];
        float[] decoded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            float scale = scales[i / block];
            codes[i] = (byte) code(w[i], scale);
            decoded[i] = codes[i] * scale;
        }
        return new CalibratedConv.Grid(codes, decoded, scales, block, -8, 7);
    }

    private static int code(float value, float scale) {
        return (int) Math.max(-8, Math.min(7, Math.rint(value / scale)));
    }

    /** True when every scale is a normal float16 (a subnormal one would lose digits). */
    private static boolean halfScales(float[] scales) {
        for (float s : scales) {
            if (!(s >= 0x1p-14f && s <= 65504f)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The codes two per byte, offset by 8 to {@code [0, 15]}: byte {@code i} holds code {@code i} in its high nibble and
     * code {@code i + n/2} in its low one.
     */
    static byte[] pack(byte[] codes) {
        int half = codes.length / 2;
        byte[] packed = new byte[half];
        for (int i = 0; i < half; i++) {
            packed[i] = (byte) (((codes[i] + 8) << 4) | (codes[half + i] + 8));
        }
        return packed;
    }

    /** The packed codes, scales and the subgraph that decodes them into the weight's name. */
    static Int8Encodings.ChannelDecode decode(Weight weight, byte[] codes, float[] scales, int block, RewriteScope scope) {
        long[] dims = weight.dims();
        String base = weight.name();
        byte[] packed = pack(codes);
        int half = packed.length;
        boolean halfScales = halfScales(scales);
        String packedName = scope.fresh(base + "_int4");
        String scaleName = scope.fresh(base + "_scale");
        String sixteenth = scope.fresh(base + "_sixteenth");
        String sixteen = scope.fresh(base + "_sixteen");
        String eight = scope.fresh(base + "_eight");
        String blockShape = scope.fresh(base + "_block_shape");
        String kernelShape = scope.fresh(base + "_kernel_shape");
        List<TensorProto> initializers = new ArrayList<>(List.of(
                Nodes.tensor(packedName, DataType.UINT8_VALUE, new long[]{half}, scope.store(packed)),
                Nodes.tensor(scaleName, halfScales ? DataType.FLOAT16_VALUE : DataType.FLOAT_VALUE,
                        new long[]{scales.length, 1}, ByteString.copyFrom(halfScales
                                ? TensorCodec.toFloat16Bytes(scales) : TensorCodec.toFloatBytes(scales)))));
        initializers.addAll(NibbleDecode.constants(sixteenth, sixteen));
        initializers.addAll(List.of(Nodes.floatScalar(eight, 8f),
                Nodes.int64Tensor(blockShape, new long[]{2}, scales.length, block),
                Nodes.int64Tensor(kernelShape, new long[]{dims.length}, dims)));
        String asFloat = scope.fresh(base + "_bytes");
        String high = scope.fresh(base + "_high");
        NibbleDecode.Values nibbles = new NibbleDecode.Values(asFloat, high + "_fraction", high,
                scope.fresh(base + "_high_bits"), scope.fresh(base + "_low"), scope.fresh(base + "_codes"));
        String blocks = scope.fresh(base + "_blocks");
        String centred = scope.fresh(base + "_centred");
        String scaled = scope.fresh(base + "_scaled");
        String floatScale = halfScales ? scope.fresh(base + "_scale_float") : scaleName;
        List<NodeProto> nodes = new ArrayList<>(NIBBLES.nodes(packedName, sixteenth, sixteen, nibbles,
                step -> scope.fresh(nibbles.of(step) + "_node")));
        nodes.add(node("Reshape", List.of(nibbles.codes(), blockShape), blocks, scope));
        nodes.add(node("Sub", List.of(blocks, eight), centred, scope));
        if (halfScales) {
            nodes.add(node("Cast", List.of(scaleName), floatScale, scope, Nodes.intAttribute("to", DataType.FLOAT_VALUE)));
        }
        nodes.add(node("Mul", List.of(centred, floatScale), scaled, scope));
        nodes.add(node("Reshape", List.of(scaled, kernelShape), base, scope));
        long stored = half + (halfScales ? 2L : 4L) * scales.length + 3 * 4 + 8L * (2 + dims.length);
        String encoding = "4-bit codes in uint8 (Cast+Floor+Concat+Mul decode), %s scales per %s"
                .formatted(halfScales ? "float16" : "float32", block == dims[1] * dims[2] * dims[3]
                        ? "output channel" : "block of " + block);
        return new Int8Encodings.ChannelDecode(initializers, nodes, encoding, stored);
    }

    private static NodeProto node(String op, List<String> inputs, String output, RewriteScope scope,
                                  ai.onnx.proto.OnnxMl.AttributeProto... attributes) {
        return Nodes.node(op, scope.fresh(output + "_node"), inputs, List.of(output), attributes);
    }
}
