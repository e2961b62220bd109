package com.modelpress.engine.int8;

import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.WeightPass;

import java.util.Optional;

/**
 * Lookup tables become int8 rows gathered then scaled; weights of MatMul, Gemm and Conv become int8 with one
 * scale per output channel behind {@code DequantizeLinear}. Anything else is kept. Stateless.
 */
public final class Int8Pass implements WeightPass {

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        if (Int8Encodings.isGatherTable(weight) && scope.usesAvailable(weight)) {
            return Int8Encodings.gatherRows(weight, values, scope, "int8");
        }
        Optional<Integer> axis = Int8Encodings.outputChannelAxis(weight);
        if (axis.isPresent() && scope.opset() >= 10) {
            return Int8Encodings.dequantizeLinear(weight, values, axis.get(), scope, "int8");
        }
        return WeightPass.kept(weight, "not a MatMul, Gemm, Conv or Gather weight");
    }
}
