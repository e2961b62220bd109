package com.modelpress.engine.fp16;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import ai.onnx.proto.OnnxMl.NodeProto;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.Sqnr;
import com.modelpress.engine.quant.WeightPass;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stores each float32 or bfloat16 weight as float16, followed by {@code Cast} back to the type its consumers read
 * (none when they read float16, as in a float16 graph whose weights were stored as float32). Float16 weights are
 * kept. Stateless.
 */
public final class Fp16Pass implements WeightPass {

    /** Largest finite float16. */
    static final float FLOAT16_MAX = 65504f;

    /**
     * How close float16 must stay to a weight a quantizing method leaves unquantized: rounding normal values to float16
     * gives about 71 dB; a weight of mostly subnormal values would lose more, and stays as stored.
     */
    static final double KEPT_MIN_SQNR_DB = 60;

    /**
     * Stores a float32 weight that a quantizing method leaves unquantized (excluded, or no encoding applies) as
     * float16, when every value is in float16's range, the rounding costs at most {@link #KEPT_MIN_SQNR_DB}, and its
     * readers can be rewritten: a lookup table's {@code Gather}s read the float16 table and cast the looked-up rows
     * (cheaper than casting the table), any other weight is decoded by a {@code Cast} under its own name (ONNX Runtime
     * folds it at load). The report stays {@code kept} (not quantized) with {@code reason}, stored as float16, added.
     *
     * @return empty, changing nothing, when the weight stays as stored
     */
    public static Optional<TensorReport> storeKept(Weight weight, float[] values, RewriteScope scope, String reason) {
        if (weight.tensor().getDataType() != DataType.FLOAT_VALUE || weight.escapes() || weight.boundary() != null
                || !weight.subgraphUses().isEmpty() || !scope.usesAvailable(weight) || scope.opset() < 6) {
            return Optional.empty();
        }
        float[] decoded = roundedKeepingSqnr(values);
        if (decoded == null) {
            return Optional.empty();
        }
        double sqnr = Sqnr.decibels(values, decoded);
        int valueType = weight.valueType();
        String half = scope.fresh(weight.name() + "_fp16");
        TensorProto tensor = Nodes.tensor(half, DataType.FLOAT16_VALUE, weight.dims(),
                scope.store(TensorCodec.toFloat16Bytes(values)));
        String encoding;
        if (valueType == DataType.FLOAT16_VALUE) {
            scope.encode(weight, List.of(tensor.toBuilder().setName(weight.name()).build()), List.of());
            encoding = "float16";
        } else if (Int8Encodings.isGatherTable(weight)) {
            Map<Integer, List<NodeProto>> replacements = new HashMap<>();
            for (Weight.Use use : weight.uses()) {
                NodeProto gather = use.node();
                String out = gather.getOutput(0);
                String name = gather.getName().isEmpty() ? out : gather.getName();
                String rows = scope.fresh(out + "_fp16");
                replacements.put(use.nodeIndex(), List.of(
                        gather.toBuilder().setName(scope.fresh(name + "_fp16")).setInput(0, half).setOutput(0, rows).build(),
                        Nodes.node("Cast", scope.fresh(name + "_rows_cast"), List.of(rows), List.of(out),
                                Nodes.intAttribute("to", valueType))));
            }
            scope.replaceConsumers(weight, List.of(tensor), replacements);
            encoding = "Gather on a float16 table+Cast";
        } else {
            scope.encode(weight, List.of(tensor), List.of(Nodes.node("Cast", scope.fresh(weight.name() + "_from_fp16"),
                    List.of(half), List.of(weight.name()), Nodes.intAttribute("to", valueType))));
            encoding = "float16+Cast";
        }
        scope.decoded(weight, decoded);
        String why = (reason == null ? "not quantized" : reason)
                + String.format(java.util.Locale.ROOT, "; stored as float16 (rounding only, SQNR %.1f dB)", sqnr);
        return Optional.of(new TensorReport(weight.name(), "kept", encoding, 16, null, values.length, weight.storedBytes(),
                2L * values.length, sqnr, why));
    }

    /**
     * The values rounded to float16, or null when one is outside its range or the rounding loses more than
     * {@link #KEPT_MIN_SQNR_DB}.
     */
    private static float[] roundedKeepingSqnr(float[] values) {
        float[] decoded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(Math.abs(values[i]) <= FLOAT16_MAX)) {
                return null;
            }
            decoded[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
        }
        return Sqnr.decibels(values, decoded) < KEPT_MIN_SQNR_DB ? null : decoded;
    }

    /**
     * Bytes a float32 tensor stored as float16 pays besides its data: the {@code Cast} node (its op type, attribute and
     * the short name {@code GraphNames} gives its output; its input takes the place the tensor's name had in its reader).
     */
    static final long HALF_CAST_OVERHEAD = 32;

    /**
     * A float32 tensor a pass writes (a Conv's folded or corrected bias) stored as float16 under {@code name}, read
     * through a {@code Cast} to float32 whose output is {@code cast().getOutput(0)}: where that saves bytes
     * ({@link #HALF_CAST_OVERHEAD}), every value is in float16's range and the rounding keeps
     * {@link #KEPT_MIN_SQNR_DB}, at an opset with {@code Cast(to)} (6).
     *
     * @return empty when the tensor is better kept in float32
     */
    public static Optional<Half> half(String name, long[] dims, float[] values, RewriteScope scope) {
        if (2L * values.length <= HALF_CAST_OVERHEAD || scope.opset() < 6 || roundedKeepingSqnr(values) == null) {
            return Optional.empty();
        }
        TensorProto tensor = Nodes.tensor(name, DataType.FLOAT16_VALUE, dims, scope.store(TensorCodec.toFloat16Bytes(values)));
        NodeProto cast = Nodes.node("Cast", scope.fresh(name + "_cast"), List.of(name), List.of(scope.fresh(name + "_float")),
                Nodes.intAttribute("to", DataType.FLOAT_VALUE));
        return Optional.of(new Half(tensor, cast));
    }

    /** A float16 tensor and the {@code Cast} that reads it as float32; see {@link #half}. */
    public record Half(TensorProto tensor, NodeProto cast) {}

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        if (weight.tensor().getDataType() == DataType.FLOAT16_VALUE) {
            return WeightPass.kept(weight, "already float16");
        }
        float[] decoded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(Math.abs(values[i]) <= FLOAT16_MAX)) {
                return WeightPass.kept(weight, "value %s at index %d is outside the float16 range".formatted(values[i], i));
            }
            decoded[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
        }
        int valueType = weight.valueType();
        String encoding;
        if (valueType == DataType.FLOAT16_VALUE) {
            // the consumers read float16: the float16 tensor takes the value's name, no decoding needed
            scope.encode(weight, List.of(Nodes.tensor(weight.name(), DataType.FLOAT16_VALUE, weight.dims(),
                    scope.store(TensorCodec.toFloat16Bytes(values)))), List.of());
            encoding = "float16";
        } else {
            String half = scope.fresh(weight.name() + "_fp16");
            TensorProto tensor = Nodes.tensor(half, DataType.FLOAT16_VALUE, weight.dims(),
                    scope.store(TensorCodec.toFloat16Bytes(values)));
            scope.encode(weight, List.of(tensor), List.of(Nodes.node("Cast", scope.fresh(weight.name() + "_from_fp16"),
                    List.of(half), List.of(weight.name()), Nodes.intAttribute("to", valueType))));
            encoding = "float16+Cast";
            for (int i = 0; i < decoded.length; i++) {
                decoded[i] = TensorCodec.roundTo(valueType, decoded[i]);
            }
        }
        scope.decoded(weight, decoded);
        return new TensorReport(weight.name(), "fp16", encoding, 16, null, values.length, weight.storedBytes(),
                2L * values.length, Sqnr.decibels(values, decoded), null);
    }
}
