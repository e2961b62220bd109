package com.modelpress.engine.int8;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.PatchMoments;
import com.modelpress.engine.quant.WeightPass;

import java.util.Optional;
import java.util.function.Function;

/**
 * In float32 graphs, lookup tables become int8 rows gathered then scaled, and weights of MatMul, Gemm and Conv int8
 * with one scale per output channel behind {@code DequantizeLinear}. Where the weight is read as float16 or bfloat16
 * (LLM graphs), matrix products and lookup tables become 8-bit blocks ({@link Int8Encodings#blocks}), scales in that
 * type; a table tied to an LM head becomes 8-bit blocks in every graph, stored once for both uses. Anything else is
 * kept. Conv kernels with calibration statistics are rounded with GPTQ and bias correction ({@link CalibratedConv}),
 * an inference-mode BatchNormalization after a Conv folded into it first ({@link BatchNormFold}).
 * Stateless.
 */
public final class Int8Pass implements WeightPass {

    private final Function<String, PatchMoments> convPatches;

    /** Without calibration: every weight rounded on its own. */
    public Int8Pass() {
        this(name -> null);
    }

    /**
     * @param convPatches the patch statistics of a convolution by its output name, null where absent: a Conv kernel with statistics is rounded by {@link CalibratedConv} (GPTQ and bias
     *                    correction), the rest as without calibration
     */
    public Int8Pass(Function<String, PatchMoments> convPatches) {
        this.convPatches = convPatches;
    }

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        if (scope.usesAvailable(weight) && CalibratedConv.applies(weight)) {
            Optional<TensorReport> conv = CalibratedConv.encode(weight, values,
                    convPatches.apply(CalibratedConv.conv(weight)), scope, "int8");
            if (conv.isPresent()) {
                return conv.get();
            }
        }
        return apply(weight, values, scope, "int8");
    }

    /** True when {@link #Int8Pass(Function)} would round this weight with calibration statistics. */
    public static boolean calibrates(Weight weight) {
        return CalibratedConv.applies(weight);
    }

    /** Bytes of the patch statistics of the weight's convolution; requires {@link #calibrates}. */
    public static long statisticsBytes(Weight weight) {
        return CalibratedConv.statisticsBytes(weight);
    }

    /** The convolution output {@link #Int8Pass(Function)} asks statistics for to round {@code weight}. */
    public static String convOutput(Weight weight) {
        return CalibratedConv.conv(weight);
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
