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
     * The axis whose slices feed separate outputs of the weight's consumers, in this scope and in subgraphs (MatMul B:
     * last axis, MatMul A: its rows; Gemm B and A: by {@code transB}/{@code transA}; Conv W: 0; ConvTranspose W: 1;
     * LSTM/GRU/RNN W and R: 1, the gate rows),
     * or empty when the consumers disagree, are unknown, or the value may not be replaced ({@link Weight#boundary()}).
     */
    public static Optional<Integer> outputChannelAxis(Weight weight) {
        if (weight.boundary() != null || !weight.isRead()) {
            return Optional.empty();
        }
        Integer axis = null;
        for (Weight.Use use : readers(weight)) {
            Integer candidate = axis(weight, use);
            if (candidate == null || (axis != null && !axis.equals(candidate))) {
                return Optional.empty();
            }
            axis = candidate;
        }
        return Optional.ofNullable(axis);
    }

    /**
     * Why {@link #outputChannelAxis} found no axis, in words true for this weight: the boundary it is, the readers
     * that are not weight inputs, or the axes its readers disagree on.
     */
    public static String noAxisReason(Weight weight) {
        if (weight.boundary() != null) {
            return "the value is " + weight.boundary() + ", so it must stay as stored";
        }
        if (!weight.isRead()) {
            return "not read by any node";
        }
        java.util.Set<String> others = new java.util.LinkedHashSet<>();
        java.util.Set<String> axes = new java.util.LinkedHashSet<>();
        for (Weight.Use use : readers(weight)) {
            Integer candidate = axis(weight, use);
            if (candidate == null) {
                others.add(describe(use, weight));
            } else {
                axes.add("%s (axis %d)".formatted(describe(use, weight), candidate));
            }
        }
        if (!others.isEmpty()) {
            return "read by %s: not a weight input of MatMul, Gemm, Conv, ConvTranspose, Gather, LSTM, GRU or RNN"
                    .formatted(String.join(", ", others));
        }
        return "its readers take output channels along different axes: " + String.join(", ", axes);
    }

    /** The weight's readers, each {@code Slice} of it replaced by that slice's readers where they are known. */
    private static List<Weight.Use> readers(Weight weight) {
        List<Weight.Use> all = new java.util.ArrayList<>();
        for (Weight.Use use : concat(weight.uses(), weight.subgraphUses())) {
            List<Weight.Use> sliced = use.node().getOpType().equals("Slice") && use.inputIndex() == 0
                    ? weight.sliced().get(use.node().getOutput(0)) : null;
            if (sliced == null) {
                all.add(use);
            } else {
                all.addAll(sliced);
            }
        }
        return all;
    }

    private static List<Weight.Use> concat(List<Weight.Use> a, List<Weight.Use> b) {
        List<Weight.Use> both = new java.util.ArrayList<>(a);
        both.addAll(b);
        return both;
    }

    private static String describe(Weight.Use use, Weight weight) {
        NodeProto node = use.node();
        String op = node.getDomain().isEmpty() ? node.getOpType() : node.getDomain() + "::" + node.getOpType();
        String where = weight.uses().contains(use) ? "" : weight.subgraphUses().contains(use) ? " in a subgraph"
                : " of a slice";
        String shape = weight.tensor().getDimsCount() + "-D";
        return use.transposed() ? "%s input %d through a Transpose%s".formatted(op, use.inputIndex(), where)
                : "%s input %d%s (a %s tensor)".formatted(op, use.inputIndex(), where, shape);
    }

    /** The output-channel axis for one reader, or null when the reader is not one the encoding knows. */
    private static Integer axis(Weight weight, Weight.Use use) {
        NodeProto node = use.node();
        int rank = weight.tensor().getDimsCount();
        if (!node.getDomain().isEmpty()) {
            return null;
        }
        if (use.transposed()) {
            // the consumer reads the matrix transposed: its output channels are the weight's rows
            Boolean transposed = MatMulWeights.readsTransposed(use);
            return transposed == null ? null : (transposed ? 0 : 1);
        }
        int slot = use.inputIndex();
        return switch (node.getOpType()) {
            case "MatMul" -> rank < 2 ? null : slot == 1 ? rank - 1 : slot == 0 ? rank - 2 : null;
            case "Gemm" -> rank != 2 ? null : slot == 1 ? (Nodes.intAttribute(node, "transB", 0) == 1 ? 0 : 1)
                    : slot == 0 ? (Nodes.intAttribute(node, "transA", 0) == 1 ? 1 : 0) : null;
            case "Conv" -> slot == 1 && rank >= 3 ? 0 : null;
            // with groups, axis 1 holds each group's output channels: one scale serves the same channel of every group
            case "ConvTranspose" -> slot == 1 && rank >= 3 ? 1 : null;
            // W [dirs, gates·hidden, input] and R [dirs, gates·hidden, hidden]: one scale per gate row
            // a 2-D source reaches them only through Slice → Concat → Unsqueeze (gate blocks reordered): its rows
            // stay the gate rows
            case "LSTM", "GRU", "RNN" -> slot != 1 && slot != 2 ? null : rank == 3 ? 1 : rank == 2 ? 0 : null;
            default -> null;
        };
    }

    /** The oldest default-domain opset {@link #dequantizeLinear} decodes at: Mul broadcasts from opset 7. */
    public static final int MIN_OPSET = 7;

    /**
     * {@link #dequantizeLinear} along the weight's {@link #outputChannelAxis}, or the weight kept with the reason that
     * is true for it (the opset, a boundary, readers that take no weight, readers that disagree).
     */
    public static TensorReport perChannel(Weight weight, float[] values, RewriteScope scope, String method) {
        if (scope.opset() < MIN_OPSET) {
            return WeightPass.kept(weight, "the model's opset %d is older than %d, the first whose Mul broadcasts a scale"
                    .formatted(scope.opset(), MIN_OPSET));
        }
        Optional<Integer> axis = outputChannelAxis(weight);
        return axis.isPresent() ? dequantizeLinear(weight, values, axis.get(), scope, method)
                : WeightPass.kept(weight, noAxisReason(weight));
    }

    /**
     * Replaces a float weight by per-channel int8 values decoded back under the same name and in its value type:
     * {@code DequantizeLinear(axis)} from opset 13 (float scales, which is all opsets below 19 accept, then a
     * {@code Cast} for a float16 or bfloat16 value), {@code Cast + Mul} before (opset 7 on: Mul broadcasts from
     * there). The decoded value keeps the weight's name in its own scope, so readers in subgraphs see it too.
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
     * scales in float16 where they fit ({@link NBitsEncodings#scaleType}); empty when those kernels cannot serve every
     * consumer.
     */
    public static Optional<TensorReport> blocks(Weight weight, float[] values, RewriteScope scope, String method) {
        MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
        if (!NBitsEncodings.supports(weight, matrix.k(), BLOCK_SIZE)) {
            return Optional.empty();
        }
        float[] decoded = new float[matrix.values().length];
        NBitsEncodings.ScaleStorage storage = NBitsEncodings.scaleType(weight.valueType(), matrix.values(), matrix.k(),
                matrix.n(), BLOCK_SIZE, 8, scope.opset());
        NBitsEncodings.Packed packed = Int8Blocks.quantize(matrix.values(), matrix.k(), matrix.n(), BLOCK_SIZE,
                storage.type(), decoded);
        String encoding = NBitsEncodings.replace(weight, packed, scope) + storage.describe();
        scope.decoded(weight, MatMulWeights.inWeightLayout(weight, NBitsEncodings.asLookedUp(weight, packed, decoded)));
        return Optional.of(new TensorReport(weight.name(), method, encoding, 8, BLOCK_SIZE, values.length,
                weight.storedBytes(), packed.storedBytes(), Sqnr.decibels(matrix.values(), decoded), null));
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
