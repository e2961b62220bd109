package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.fp16.Fp16Pass;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int4.MatrixProducts;
import com.modelpress.engine.int4.WidthQuantizer;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.NBitsEncodings;
import com.modelpress.engine.quant.Sqnr;
import com.modelpress.engine.quant.WeightPass;

import java.io.IOException;
import java.util.Map;
import java.util.function.Function;

/**
 * Applies a width plan ({@link WidthPlanner}): each planned tensor at its own width and block size, 2, 4 or 8 bits
 * behind {@code MatMulNBits} / {@code GatherBlockQuantized} (one stored copy for a tied table), GPTQ-compensated with
 * the calibration activations its products read ({@link WidthQuantizer}), or kept in 16 bits (float32 weights become
 * float16). Tensors the plan does not name stay as they are, so the bytes the planner counted are the bytes written.
 *
 * <p>Not thread-safe; one instance per compression.
 */
final class MixedWidthPass implements WeightPass {

    private final Map<String, WidthPlanner.Option> plan;
    private final Function<String, double[]> moments;
    private final MatrixProducts products;
    private final Fp16Pass fp16 = new Fp16Pass();

    /**
     * @param plan    the option per weight name (as {@link Weight#name()})
     * @param moments calibration {@code XᵀX} by activation name, null when absent
     */
    MixedWidthPass(Map<String, WidthPlanner.Option> plan, Function<String, double[]> moments, MatrixProducts products) {
        this.plan = Map.copyOf(plan);
        this.moments = moments;
        this.products = products;
    }

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) throws IOException {
        WidthPlanner.Option option = plan.get(weight.name());
        if (option == null) {
            return WeightPass.kept(weight, "auto (size): no width applies to it; kept as stored");
        }
        if (option.bits() == 16) {
            return weight.tensor().getDataType() == DataType.FLOAT_VALUE ? fp16.apply(weight, values, scope)
                    : WeightPass.kept(weight, "auto (size): kept in 16 bits");
        }
        if (!scope.usesAvailable(weight)) {
            return WeightPass.kept(weight, "auto (size): its consumers cannot be rewritten");
        }
        MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
        Encoded encoded = encode(weight, matrix, option, moments, products, scope.opset());
        String encoding = NBitsEncodings.replace(weight, encoded.packed(), scope)
                + (encoded.calibrated() ? " GPTQ" : " GPTQ (identity: no activations)") + encoded.storage().describe();
        scope.decoded(weight, MatMulWeights.inWeightLayout(weight, encoded.decoded()));
        return new TensorReport(weight.name(), "int" + option.bits(), encoding, option.bits(), option.blockSize(),
                matrix.values().length, weight.storedBytes(), encoded.bytes(), Sqnr.decibels(matrix.values(), encoded.decoded()),
                null);
    }

    /**
     * A matrix at one width.
     *
     * @param decoded    {@code [K, N]}, what ONNX Runtime computes with (a table only looked up: in its scales' type)
     * @param storage    the type the scales are stored in, and why when not float16
     * @param calibrated whether GPTQ had activations (not the identity)
     */
    record Encoded(NBitsEncodings.Packed packed, float[] decoded, long bytes, NBitsEncodings.ScaleStorage storage,
                   boolean calibrated) {}

    /** Quantizes {@code matrix} (the weight as its products read it) at {@code option}'s width. */
    static Encoded encode(Weight weight, MatMulWeights.Matrix matrix, WidthPlanner.Option option,
                          Function<String, double[]> moments, MatrixProducts products, int opset) {
        return encode(quantizer(weight, matrix.k(), moments, products), weight, matrix, option, opset);
    }

    /**
     * As {@link #encode(Weight, MatMulWeights.Matrix, WidthPlanner.Option, Function, MatrixProducts, int)} with a
     * quantizer made once per matrix; scales in the type {@link NBitsEncodings#scaleType} chooses for the model's
     * default-domain {@code opset}.
     */
    static Encoded encode(WidthQuantizer quantizer, Weight weight, MatMulWeights.Matrix matrix, WidthPlanner.Option option,
                          int opset) {
        float[] decoded = new float[matrix.values().length];
        NBitsEncodings.ScaleStorage storage = NBitsEncodings.scaleType(weight.valueType(), matrix.values(), matrix.k(),
                matrix.n(), option.blockSize(), option.bits(), opset);
        NBitsEncodings.Packed packed = quantizer.quantize(matrix.values(), matrix.n(), option.bits(), option.blockSize(),
                option.symmetric(), storage.type(), decoded);
        return new Encoded(packed, NBitsEncodings.asLookedUp(weight, packed, decoded), packed.storedBytes(), storage,
                quantizer.calibrated());
    }

    /** The quantizer for {@code weight}: its products' activations, none for a lookup table. */
    static WidthQuantizer quantizer(Weight weight, int k, Function<String, double[]> moments, MatrixProducts products) {
        double[] xtx = Int8Encodings.isGatherTable(weight) ? null : WidthQuantizer.activationMoments(weight, k, moments);
        return new WidthQuantizer(k, xtx, products);
    }
}
