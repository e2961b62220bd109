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

/** Stores each float32 weight as float16 followed by {@code Cast(to=FLOAT)}. Stateless. */
public final class Fp16Pass implements WeightPass {

    /** Largest finite float16. */
    static final float FLOAT16_MAX = 65504f;

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        float[] decoded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(Math.abs(values[i]) <= FLOAT16_MAX)) {
                return WeightPass.kept(weight, "value %s at index %d is outside the float16 range".formatted(values[i], i));
            }
            decoded[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
        }
        String half = scope.fresh(weight.name() + "_fp16");
        TensorProto tensor = Nodes.tensor(half, DataType.FLOAT16_VALUE, weight.dims(),
                scope.store(TensorCodec.toFloat16Bytes(values)));
        scope.decoded(weight, decoded);
        scope.encode(weight, List.of(tensor), List.of(Nodes.node("Cast", scope.fresh(weight.name() + "_to_float"),
                List.of(half), List.of(weight.name()), Nodes.intAttribute("to", DataType.FLOAT_VALUE))));
        return new TensorReport(weight.name(), "fp16", "float16+Cast", 16, null, values.length, 4L * values.length,
                2L * values.length, Sqnr.decibels(values, decoded), null);
    }
}
