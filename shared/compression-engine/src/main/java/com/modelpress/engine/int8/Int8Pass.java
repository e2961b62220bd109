package com.modelpress.engine.int8;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.WeightPass;

import java.util.Optional;

/**
 * In float32 graphs, lookup tables become int8 rows gathered then scaled, and weights of MatMul, Gemm and Conv int8
 * with one scale per output channel behind {@code DequantizeLinear}. Where the weight is read as float16 or bfloat16
 * (LLM graphs), matrix products and lookup tables become 8-bit blocks ({@link Int8Encodings#blocks}), scales in that
 * type; a table tied to an LM head becomes 8-bit blocks in every graph, stored once for both uses. Anything else is
 * kept. Stateless.
 */
public final class Int8Pass implements WeightPass {

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        return apply(weight, values, scope, "int8");
    }

    /** The int8 treatment of tables and of weights read in a 16-bit type, or empty for the rest. */
    public static Optional<TensorReport> tablesAndBlocks(Weight weight, float[] values, RewriteScope scope, String method) {
        if (!scope.usesAvailable(weight)) {
            return Optional.empty();
        }
        boolean float32 = weight.valueType() == DataType.FLOAT_VALUE;
        if (MatMulWeights.isTiedTable(weight)) {
            return Optional.of(Int8Encodings.blocks(weight, values, scope, method).orElseGet(() -> WeightPass.kept(weight,
                    "tied table: its rows are not a whole number of %d-element blocks".formatted(Int8Encodings.BLOCK_SIZE))));
        }
        if (Int8Encodings.isGatherTable(weight)) {
            return Optional.of((float32 ? Optional.<TensorReport>empty() : Int8Encodings.blocks(weight, values, scope, method))
                    .orElseGet(() -> Int8Encodings.gatherRows(weight, values, scope, method)));
        }
        if (!float32 && MatMulWeights.isRightHandSide(weight)) {
            return Int8Encodings.blocks(weight, values, scope, method);
        }
        return Optional.empty();
    }

    private static TensorReport apply(Weight weight, float[] values, RewriteScope scope, String method) {
        Optional<TensorReport> table = tablesAndBlocks(weight, values, scope, method);
        if (table.isPresent()) {
            return table.get();
        }
        return Int8Encodings.perChannel(weight, values, scope, method);
    }
}
