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

import java.util.ArrayList;
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
        NBitsEncodings.ScaleStorage storage = scope.opset() >= 13 ? channelScales(weight, values, scope)
                : new NBitsEncodings.ScaleStorage(weight.valueType(), null);
        Int8Channels q = Int8Channels.quantizeStoredAs(values, dims, axis, storage.type());
        ChannelDecode decode = channelDecode(weight, q, axis, storage, scope);
        scope.encode(weight, decode.initializers(), decode.nodes());
        // no scope.decoded(...): ONNX Runtime's default optimizations turn DequantizeLinear+MatMul into an 8-bit
        // MatMulNBits that also quantizes activations, so the decoded weight alone would understate the error
        return new TensorReport(weight.name(), method, decode.encoding(), 8, null, values.length, weight.storedBytes(),
                decode.storedBytes(), Sqnr.decibels(values, q.decoded()), null);
    }

    /**
     * The type a float32 weight's per-channel int8 scales are stored in: float16 (read through a {@code Cast} to
     * float32, which ONNX Runtime folds when the session is created) when every channel's scale fits it, by the rules
     * of {@link NBitsEncodings#scaleType} applied to the whole tensor, else float32 with the reason. Other value
     * types: float32, the scales chosen as before (a table's are then rounded to its value type).
     */
    static NBitsEncodings.ScaleStorage channelScales(Weight weight, float[] values, RewriteScope scope) {
        if (weight.valueType() != DataType.FLOAT_VALUE) {
            return new NBitsEncodings.ScaleStorage(DataType.FLOAT_VALUE, null);
        }
        return NBitsEncodings.scaleType(DataType.FLOAT_VALUE, values, values.length, 1, values.length, 8, scope.opset());
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
        return channelDecode(weight, q, axis, new NBitsEncodings.ScaleStorage(DataType.FLOAT_VALUE, null), scope);
    }

    /**
     * As {@link #channelDecode(Weight, Int8Channels, int, RewriteScope)} with the scales of {@code DequantizeLinear}
     * (opset 13 on) stored in {@code storage}'s type: float16 scales (already rounded to it in {@code q}) are read
     * through a {@code Cast} to float32, the type {@code DequantizeLinear} takes them in below opset 19.
     */
    static ChannelDecode channelDecode(Weight weight, Int8Channels q, int axis, NBitsEncodings.ScaleStorage storage,
                                       RewriteScope scope) {
        long[] dims = weight.dims();
        String base = weight.name();
        String quantized = scope.fresh(base + "_int8");
        String scale = scope.fresh(base + "_scale");
        TensorProto qTensor = Nodes.tensor(quantized, DataType.INT8_VALUE, dims, scope.store(q.values()));
        int valueType = weight.valueType();
        List<NodeProto> decode;
        String encoding;
        TensorProto scaleTensor;
        long scaleBytes = 4L * q.scales().length;
        if (scope.opset() >= 13) {
            int scaleType = storage.type();
            scaleTensor = Nodes.tensor(scale, scaleType, new long[]{q.scales().length},
                    ByteString.copyFrom(TensorCodec.toBytes(scaleType, q.scales())));
            scaleBytes = (long) TensorCodec.elementSize(scaleType) * q.scales().length;
            List<NodeProto> nodes = new ArrayList<>();
            String floatScale = scale;
            if (scaleType != DataType.FLOAT_VALUE) {
                floatScale = scope.fresh(scale + "_f32");
                nodes.add(Nodes.node("Cast", floatScale, List.of(scale), List.of(floatScale),
                        Nodes.intAttribute("to", DataType.FLOAT_VALUE)));
            }
            String asFloat = valueType == DataType.FLOAT_VALUE ? base : scope.fresh(base + "_float");
            nodes.add(Nodes.node("DequantizeLinear", scope.fresh(base + "_dequantize"),
                    List.of(quantized, floatScale), List.of(asFloat), Nodes.intAttribute("axis", axis)));
            if (valueType != DataType.FLOAT_VALUE) {
                nodes.add(Nodes.node("Cast", scope.fresh(base + "_to_value_type"), List.of(asFloat), List.of(base),
                        Nodes.intAttribute("to", valueType)));
            }
            decode = nodes;
            encoding = "DequantizeLinear(axis=%d)%s%s".formatted(axis,
                    valueType == DataType.FLOAT_VALUE ? "" : "+Cast", storage.describe());
        } else {
            long[] scaleDims = new long[dims.length];
            java.util.Arrays.fill(scaleDims, 1);
            scaleDims[axis] = dims[axis];
            scaleTensor = Nodes.tensor(scale, valueType, scaleDims, ByteString.copyFrom(TensorCodec.toBytes(valueType, q.scales())));
            scaleBytes = (long) TensorCodec.elementSize(valueType) * q.scales().length;
            String cast = scope.fresh(base + "_cast");
            decode = List.of(
                    Nodes.node("Cast", scope.fresh(base + "_cast_node"), List.of(quantized), List.of(cast),
                            Nodes.intAttribute("to", valueType)),
                    Nodes.node("Mul", scope.fresh(base + "_scale_node"), List.of(cast, scale), List.of(base)));
            encoding = "Cast+Mul(axis=%d)".formatted(axis);
        }
        return new ChannelDecode(List.of(qTensor, scaleTensor), decode, encoding, q.values().length + scaleBytes);
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
     * Replaces a lookup table by int8 rows with one scale per row (in the table's value type, or float16 read through
     * one {@code Cast} for a float32 table, see {@link #channelScales}); each {@code Gather} becomes gather(rows) →
     * Cast → Mul(gather(scales)), so only the looked-up rows are ever decoded.
     */
    public static TensorReport gatherRows(Weight weight, float[] values, RewriteScope scope, String method) {
        NBitsEncodings.ScaleStorage storage = channelScales(weight, values, scope);
        TableRows rows = tableRows(values, weight.dims(), weight.valueType(), storage.type());
        replaceGathers(weight, rows, scope);
        scope.decoded(weight, rows.decoded());
        long compressed = rows.codes().length + (long) TensorCodec.elementSize(rows.scaleType()) * rows.scales().length;
        return new TensorReport(weight.name(), method, "Gather+int8 rows" + storage.describe(), 8, null, values.length, weight.storedBytes(),
                compressed, Sqnr.decibels(values, rows.decoded()), null);
    }

    /**
     * A lookup table in int8 rows: the arithmetic, no graph.
     *
     * @param dims      the table's {@code [V, D]}
     * @param codes     {@code [V, D]}, symmetric int8
     * @param scales    one per row, as stored in {@code scaleType}
     * @param scaleType the scales' stored type: the table's value type, or the float16 a float32 table's scales fit in
     * @param decoded   {@code [V, D]}: what the graph decodes, computed in the value type as ONNX Runtime computes it
     */
    record TableRows(long[] dims, byte[] codes, float[] scales, int scaleType, float[] decoded) {}

    /** @param storedScaleType the type a float32 table's scales are stored in ({@link #channelScales}) */
    static TableRows tableRows(float[] values, long[] dims, int valueType, int storedScaleType) {
        Int8Channels q = Int8Channels.quantizeStoredAs(values, dims, 0, storedScaleType);
        int scaleType = valueType == DataType.FLOAT_VALUE ? storedScaleType : valueType;
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
        return new TableRows(dims, q.values(), rowScales, scaleType, decoded);
    }

    /**
     * The graph surgery of {@link #gatherRows}: the rows and scales as initializers, and each {@code Gather} of the table
     * replaced by gather(rows) → Cast → Mul(gather(scales)); scales of another type than the value type are read
     * through one {@code Cast}, added before the first of them.
     */
    private static void replaceGathers(Weight weight, TableRows table, RewriteScope scope) {
        int valueType = weight.valueType();
        String base = weight.name();
        String rows = scope.fresh(base + "_int8");
        String scales = scope.fresh(base + "_row_scale");
        TensorProto rowsTensor = Nodes.tensor(rows, DataType.INT8_VALUE, table.dims(), scope.store(table.codes()));
        TensorProto scaleTensor = Nodes.tensor(scales, table.scaleType(), new long[]{table.dims()[0], 1},
                scope.store(TensorCodec.toBytes(table.scaleType(), table.scales())));
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        String valueScales = scales;
        boolean castPending = table.scaleType() != valueType;
        if (castPending) {
            // float16 scales read as float32 through one Cast of the initializer, folded by ONNX Runtime at load
            valueScales = scope.fresh(scales + "_f32");
        }
        List<Weight.Use> ordered = weight.uses().stream()
                .sorted(java.util.Comparator.comparingInt(Weight.Use::nodeIndex)).toList();
        for (Weight.Use use : ordered) {
            NodeProto gather = use.node();
            String ids = gather.getInput(1);
            String out = gather.getOutput(0);
            String name = gather.getName().isEmpty() ? out : gather.getName();
            String gathered = scope.fresh(out + "_int8");
            String gatheredScale = scope.fresh(out + "_scale");
            String asFloat = scope.fresh(out + "_float");
            List<NodeProto> nodes = new ArrayList<>();
            if (castPending) {
                nodes.add(Nodes.node("Cast", valueScales, List.of(scales), List.of(valueScales),
                        Nodes.intAttribute("to", valueType)));
                castPending = false;
            }
            nodes.addAll(List.of(
                    Nodes.node("Gather", scope.fresh(name + "_rows"), List.of(rows, ids), List.of(gathered), Nodes.intAttribute("axis", 0)),
                    Nodes.node("Gather", scope.fresh(name + "_scales"), List.of(valueScales, ids), List.of(gatheredScale), Nodes.intAttribute("axis", 0)),
                    Nodes.node("Cast", scope.fresh(name + "_cast"), List.of(gathered), List.of(asFloat), Nodes.intAttribute("to", valueType)),
                    Nodes.node("Mul", scope.fresh(name + "_dequantize"), List.of(asFloat, gatheredScale), List.of(out))));
            replacements.put(use.nodeIndex(), nodes);
        }
        scope.replaceConsumers(weight, List.of(rowsTensor, scaleTensor), replacements);
    }
}
