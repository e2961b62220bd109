package com.modelpress.engine.fp16;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Sqnr;
import com.modelpress.engine.quant.WeightPass;

import java.util.List;

/**
 * Stores each float32 or bfloat16 weight as float16, followed by {@code Cast} back to the type its consumers read
 * (none when they read float16, as in a float16 graph whose weights were stored as float32). Float16 weights are
 * kept. Stateless.
 */
public final class Fp16Pass implements WeightPass {

    /** Largest finite float16. */
    static final float FLOAT16_MAX = 65504f;

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
