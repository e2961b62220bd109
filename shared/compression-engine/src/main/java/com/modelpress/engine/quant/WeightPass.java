package com.modelpress.engine.quant;

import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;

import java.io.IOException;

/**
 * One compression method's decision for one float weight (float32, float16 or bfloat16) that passed the common filters (size, exclusions):
 * encode it through {@code scope}, or leave it and say why.
 */
public interface WeightPass {

    /**
     * @param values the weight's values, row-major; the pass may keep a reference only for this call
     * @return the tensor's report; {@code method = "kept"} with a reason when nothing was changed
     */
    TensorReport apply(Weight weight, float[] values, RewriteScope scope) throws IOException;

    static TensorReport kept(Weight weight, String reason) {
        long bytes = weight.storedBytes();
        return new TensorReport(weight.name(), "kept", null, weight.storedBits(), null, weight.elements(), bytes, bytes,
                null, reason);
    }
}
