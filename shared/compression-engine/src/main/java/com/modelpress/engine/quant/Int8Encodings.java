package com.modelpress.engine.quant;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The int8 graph encodings several methods share. Stateless. */
public final class Int8Encodings {

    private Int8Encodings() {
    }

    /**
     * The axis whose slices feed separate outputs of the weight's consumers (MatMul B: last axis; Gemm B: by
     * {@code transB}; Conv W: 0; ConvTranspose W: 1), or empty when the consumers disagree or are unknown.
     */
    public static Optional<Integer> outputChannelAxis(Weight weight) {
        Integer axis = null;
        int rank = weight.tensor().getDimsCount();
        for (Weight.Use use : weight.uses()) {
            NodeProto node = use.node();
            Integer candidate = null;
            if (!node.getDomain().isEmpty()) {
                return Optional.empty();
            }
            if (use.transposed()) {
                // the consumer reads the matrix transposed: its output channels are the weight's rows
                Boolean transposed = MatMulWeights.readsTransposed(use);
                candidate = transposed == null ? null : (transposed ? 0 : 1);
                if (candidate == null || (axis != null && !axis.equals(candidate))) {
                    return Optional.empty();
                }
                axis = candidate;
                continue;
            }
            switch (node.getOpType()) {
                case "MatMul" -> candidate = use.inputIndex() == 1 && rank >= 2 ? rank - 1 : null;
                case "Gemm" -> candidate = use.inputIndex() == 1 ? (Nodes.intAttribute(node, "transB", 0) == 1 ? 0 : 1) : null;
                case "Conv" -> candidate = use.inputIndex() == 1 ? 0 : null;
                case "ConvTranspose" -> candidate = use.inputIndex() == 1 && Nodes.intAttribute(node, "group", 1) == 1 ? 1 : null;
                default -> { }
            }
            if (candidate == null || (axis != null && !axis.equals(candidate))) {
                return Optional.empty();
            }
            axis = candidate;
        }
        return Optional.ofNullable(axis);
    }

    /**
     * Replaces a float weight by per-channel int8 values decoded back under the same name and in its value type:
     * {@code DequantizeLinear(axis)} from opset 13 (float scales, which is all opsets below 19 accept, then a
     * {@code Cast} for a float16 or bfloat16 value), {@code Cast + Mul} before.
     */
    public static TensorReport dequantizeLinear(Weight weight, float[] values, int axis, RewriteScope scope, String method) {
        long[] dims = weight.dims();
        Int8Channels q = Int8Channels.quantize(values, dims, axis);
        ChannelDecode decode = channelDecode(weight, q, axis, scope);
        scope.encode(weight, decode.initializers(), decode.nodes());
        // no scope.decoded(...): ONNX Runtime's default optimizations turn DequantizeLinear+MatMul into an 8-bit
        // MatMulNBits that also quantizes activations, so the decoded weight alone would understate the error
        return new TensorReport(weight.name(), method, decode.encoding(), 8, null, values.length, weight.storedBytes(),
                decode.storedBytes(), Sqnr.decibels(values, q.decoded()), null);
    }

    /**
     * The tensors and nodes that decode per-channel int8 values back to a float value named like the weight.
     *
     * @param initializers the int8 values and the scales
     * @param nodes        the decode, producing {@link Weight#name()} in the weight's value type
     * @param encoding     how, for the report
     * @param storedBytes  bytes of {@code initializers}
     */
    public record ChannelDecode(List<TensorProto> initializers, List<NodeProto> nodes, String encoding, long storedBytes) {}

    /**
     * {@code DequantizeLinear(axis)} from opset 13 (float scales, which is all opsets below 19 accept, then a
     * {@code Cast} for a float16 or bfloat16 value), {@code Cast + Mul} before, for values already quantized.
     */
    public static ChannelDecode channelDecode(Weight weight, Int8Channels q, int axis, RewriteScope scope) {
        long[] dims = weight.dims();
        String base = weight.name();
        String quantized = scope.fresh(base + "_int8");
        String scale = scope.fresh(base + "_scale");
        TensorProto qTensor = Nodes.tensor(quantized, DataType.INT8_VALUE, dims, scope.store(q.values()));
        int valueType = weight.valueType();
        List<NodeProto> decode;
        String encoding;
        TensorProto scaleTensor;
        if (scope.opset() >= 13) {
            scaleTensor = Nodes.tensor(scale, DataType.FLOAT_VALUE, new long[]{q.scales().length},
                    ByteString.copyFrom(TensorCodec.toFloatBytes(q.scales())));
            if (valueType == DataType.FLOAT_VALUE) {
                decode = List.of(Nodes.node("DequantizeLinear", scope.fresh(base + "_dequantize"),
                        List.of(quantized, scale), List.of(base), Nodes.intAttribute("axis", axis)));
                encoding = "DequantizeLinear(axis=%d)".formatted(axis);
            } else {
                String asFloat = scope.fresh(base + "_float");
                decode = List.of(Nodes.node("DequantizeLinear", scope.fresh(base + "_dequantize"),
                                List.of(quantized, scale), List.of(asFloat), Nodes.intAttribute("axis", axis)),
                        Nodes.node("Cast", scope.fresh(base + "_to_value_type"), List.of(asFloat), List.of(base),
                                Nodes.intAttribute("to", valueType)));
                encoding = "DequantizeLinear(axis=%d)+Cast".formatted(axis);
            }
        } else {
            long[] scaleDims = new long[dims.length];
            java.util.Arrays.fill(scaleDims, 1);
            scaleDims[axis] = dims[axis];
            scaleTensor = Nodes.tensor(scale, valueType, scaleDims, ByteString.copyFrom(TensorCodec.toBytes(valueType, q.scales())));
            String cast = scope.fresh(base + "_cast");
            decode = List.of(
                    Nodes.node("Cast", scope.fresh(base + "_cast_node"), List.of(quantized), List.of(cast),
                            Nodes.intAttribute("to", valueType)),
                    Nodes.node("Mul", scope.fresh(base + "_scale_node"), List.of(cast, scale), List.of(base)));
            encoding = "Cast+Mul(axis=%d)".formatted(axis);
        }
        return new ChannelDecode(List.of(qTensor, scaleTensor), decode, encoding,
                q.values().length + 4L * q.scales().length);
    }

    /** Block length of {@link #blocks}: 32, as ONNX Runtime's own 8-bit quantizer uses for LLMs. */
    public static final int BLOCK_SIZE = 32;

    /**
     * Replaces a matrix-product weight, a lookup table or a table tied to a head by symmetric 8-bit blocks of
     * {@value #BLOCK_SIZE} ({@link Int8Blocks}) behind {@code MatMulNBits(bits=8)} / {@code GatherBlockQuantized(bits=8)},
     * scales in the weight's value type; empty when those kernels cannot serve every consumer.
     */
    public static Optional<TensorReport> blocks(Weight weight, float[] values, RewriteScope scope, String method) {
        MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
        if (!NBitsEncodings.supports(weight, matrix.k(), BLOCK_SIZE)) {
            return Optional.empty();
        }
        float[] decoded = new float[matrix.values().length];
        NBitsEncodings.Packed packed = Int8Blocks.quantize(matrix.values(), matrix.k(), matrix.n(), BLOCK_SIZE,
                weight.valueType(), decoded);
        String encoding = NBitsEncodings.replace(weight, packed, scope);
        scope.decoded(weight, MatMulWeights.inWeightLayout(weight, decoded));
        return Optional.of(new TensorReport(weight.name(), method, encoding, 8, BLOCK_SIZE, values.length,
                weight.storedBytes(), packed.storedBytes(TensorCodec.elementSize(weight.valueType())),
                Sqnr.decibels(matrix.values(), decoded), null));
    }

    /** True when every consumer is a {@code Gather} on axis 0 reading the weight as its data (a lookup table). */
    public static boolean isGatherTable(Weight weight) {
        return weight.tensor().getDimsCount() == 2 && weight.onlyUsedAs("Gather", 0)
                && weight.uses().stream().allMatch(u -> Nodes.intAttribute(u.node(), "axis", 0) == 0);
    }

    /**
     * Replaces a lookup table by int8 rows with one scale per row (in the table's value type); each {@code Gather}
     * becomes gather(rows) → Cast → Mul(gather(scales)), so only the looked-up rows are ever decoded.
     */
    public static TensorReport gatherRows(Weight weight, float[] values, RewriteScope scope, String method) {
        long[] dims = weight.dims();
        int valueType = weight.valueType();
        Int8Channels q = Int8Channels.quantize(values, dims, 0);
        float[] rowScales = q.scales().clone();
        float[] decoded = q.decoded();
        if (valueType != DataType.FLOAT_VALUE) {
            // the scale is stored (and the product computed) in the value type: decode as ONNX Runtime will
            int width = Math.toIntExact(dims[1]);
            for (int r = 0; r < rowScales.length; r++) {
                rowScales[r] = TensorCodec.roundTo(valueType, rowScales[r]);
                for (int c = 0; c < width; c++) {
                    decoded[r * width + c] = TensorCodec.roundTo(valueType, q.values()[r * width + c] * rowScales[r]);
                }
            }
        }
        String base = weight.name();
        String rows = scope.fresh(base + "_int8");
        String scales = scope.fresh(base + "_row_scale");
        TensorProto rowsTensor = Nodes.tensor(rows, DataType.INT8_VALUE, dims, scope.store(q.values()));
        TensorProto scaleTensor = Nodes.tensor(scales, valueType, new long[]{dims[0], 1},
                scope.store(TensorCodec.toBytes(valueType, rowScales)));
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        for (Weight.Use use : weight.uses()) {
            NodeProto gather = use.node();
            String ids = gather.getInput(1);
            String out = gather.getOutput(0);
            String name = gather.getName().isEmpty() ? out : gather.getName();
            String gathered = scope.fresh(out + "_int8");
            String gatheredScale = scope.fresh(out + "_scale");
            String asFloat = scope.fresh(out + "_float");
            replacements.put(use.nodeIndex(), List.of(
                    Nodes.node("Gather", scope.fresh(name + "_rows"), List.of(rows, ids), List.of(gathered), Nodes.intAttribute("axis", 0)),
                    Nodes.node("Gather", scope.fresh(name + "_scales"), List.of(scales, ids), List.of(gatheredScale), Nodes.intAttribute("axis", 0)),
                    Nodes.node("Cast", scope.fresh(name + "_cast"), List.of(gathered), List.of(asFloat), Nodes.intAttribute("to", valueType)),
                    Nodes.node("Mul", scope.fresh(name + "_dequantize"), List.of(asFloat, gatheredScale), List.of(out))));
        }
        scope.replaceConsumers(weight, List.of(rowsTensor, scaleTensor), replacements);
        scope.decoded(weight, decoded);
        long compressed = q.values().length + (long) TensorCodec.elementSize(valueType) * q.scales().length;
        return new TensorReport(weight.name(), method, "Gather+int8 rows", 8, null, values.length, weight.storedBytes(),
                compressed, Sqnr.decibels(values, decoded), null);
    }
}
