package com.modelpress.engine.quant;

import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;

import java.io.IOException;

/**
 * One compression method's decision for one float32 weight that passed the common filters (size, exclusions):
 * encode it through {@code scope}, or leave it and say why.
 */
public interface WeightPass {

    /**
     * @param values the weight's values, row-major; the pass may keep a reference only for this call
     * @return the tensor's report; {@code method = "kept"} with a reason when nothing was changed
     */
    TensorReport apply(Weight weight, float[] values, RewriteScope scope) throws IOException;

    static TensorReport kept(Weight weight, String reason) {
        long elements = weight.elements();
        return new TensorReport(weight.name(), "kept", null, 32, null, elements, 4 * elements, 4 * elements, null, reason);
    }
}
