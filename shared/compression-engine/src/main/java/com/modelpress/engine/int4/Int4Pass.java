package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.Sqnr;
import com.modelpress.engine.quant.WeightPass;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * MatMul and Gemm weights become {@code MatMulNBits}; lookup tables become 4-bit rows ({@link GatherInt4});
 * other weights with a known output channel (Conv) fall back to int8. Not thread-safe: remembers the last Hessian
 * it factored; one instance per compression.
 */
public final class Int4Pass implements WeightPass {

    private final int blockSize;
    private final boolean symmetric;
    private final String rounding;
    private final Function<String, double[]> inputMoments;
    private final MatrixProducts products;
    /** The last Hessian factored, by identity: the q/k/v (or gate/up) weights reading one input share it. */
    private java.lang.ref.WeakReference<double[]> factoredMoments = new java.lang.ref.WeakReference<>(null);
    private Gptq.Factor factor;

    /**
     * @param inputMoments {@code XᵀX} of calibration activations by tensor name (row-major {@code [K, K]}); a
     *                     MatMul whose input has an entry is quantized with {@link Gptq}, others with
     *                     {@link BlockQuantizer}. Empty for calibration-free compression.
     */
    public Int4Pass(int blockSize, boolean symmetric, Map<String, double[]> inputMoments) {
        this(blockSize, symmetric, "gptq", inputMoments);
    }

    /** @param rounding {@code gptq}, {@code aware}, {@code search} or {@code rtn} (see CompressionOptions) */
    public Int4Pass(int blockSize, boolean symmetric, String rounding, Map<String, double[]> inputMoments) {
        this(blockSize, symmetric, rounding, Map.copyOf(inputMoments)::get, MatrixProducts.JAVA);
    }

    /**
     * @param inputMoments {@code XᵀX} by activation name (row-major {@code [K, K]}), null when not calibrated;
     *                     asked once per weight in visiting order (calibration in groups can compute them on
     *                     demand), never modified
     * @param products     the matrix products GPTQ runs on
     */
    public Int4Pass(int blockSize, boolean symmetric, String rounding, Function<String, double[]> inputMoments,
                    MatrixProducts products) {
        this.blockSize = blockSize;
        this.symmetric = symmetric;
        this.rounding = rounding;
        this.inputMoments = inputMoments;
        this.products = products;
    }

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        if (Int8Encodings.isGatherTable(weight) && scope.usesAvailable(weight)) {
            if (GatherInt4.supports(weight, blockSize, scope)) {
                return GatherInt4.encode(weight, values, blockSize, rounding.equals("rtn"), scope);
            }
            return Int8Encodings.gatherRows(weight, values, scope, "int8");
        }
        if (MatMulWeights.isRightHandSide(weight) && scope.usesAvailable(weight)) {
            return matMulNBits(weight, values, scope);
        }
        Optional<Integer> axis = Int8Encodings.outputChannelAxis(weight);
        if (axis.isPresent()) {
            return Int8Encodings.dequantizeLinear(weight, values, axis.get(), scope, "int8");
        }
        return WeightPass.kept(weight, "not a MatMul, Gemm, Conv or Gather weight");
    }

    private TensorReport matMulNBits(Weight weight, float[] values, RewriteScope scope) {
        MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
        int k = matrix.k();
        int n = matrix.n();
        float[] w = matrix.values();
        float[] decoded = new float[w.length];
        double[] moments = rounding.equals("rtn") || rounding.equals("search") ? null : inputMoments(weight, k);
        MatMulNBitsWeights packed;
        String how;
        if (rounding.equals("rtn")) {
            packed = BlockQuantizer.quantize(w, k, n, blockSize, symmetric, true, null, decoded);
            how = " RTN";
        } else if (moments != null && rounding.equals("gptq")) {
            if (moments != factoredMoments.get()) {
                factor = null;
                factor = Gptq.factor(moments, k, products);
                factoredMoments = new java.lang.ref.WeakReference<>(moments);
            }
            packed = Gptq.quantize(w, k, n, blockSize, symmetric, factor, decoded, products);
            how = " GPTQ";
        } else if (moments != null) {
            double[] importance = new double[k];
            for (int i = 0; i < k; i++) {
                importance[i] = moments[i * k + i];
            }
            packed = BlockQuantizer.quantize(w, k, n, blockSize, symmetric, false, importance, decoded);
            how = " activation-aware";
        } else {
            packed = BlockQuantizer.quantize(w, k, n, blockSize, symmetric, decoded);
            how = "";
        }

        String base = weight.name();
        String bName = scope.fresh(base + "_q4");
        String sName = scope.fresh(base + "_scales");
        String zName = scope.fresh(base + "_zero_points");
        List<TensorProto> initializers = new ArrayList<>();
        initializers.add(Nodes.tensor(bName, DataType.UINT8_VALUE, new long[]{n, packed.blocks(), blockSize / 2},
                scope.store(packed.packed())));
        initializers.add(Nodes.tensor(sName, DataType.FLOAT_VALUE, new long[]{packed.scales().length},
                scope.store(TensorCodec.toFloatBytes(packed.scales()))));
        if (!symmetric) {
            initializers.add(Nodes.tensor(zName, DataType.UINT8_VALUE, new long[]{packed.zeroPoints().length},
                    ByteString.copyFrom(packed.zeroPoints())));
        }
        scope.useMicrosoftDomain();
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        for (Weight.Use use : weight.uses()) {
            replacements.put(use.nodeIndex(), replaceConsumer(use.node(), bName, sName, symmetric ? null : zName, k, n, scope));
        }
        scope.replaceConsumers(weight, initializers, replacements);
        scope.decoded(weight, MatMulWeights.inWeightLayout(weight, decoded));
        long compressed = packed.packed().length + 4L * packed.scales().length
                + (symmetric ? 0 : packed.zeroPoints().length);
        double sqnr = Sqnr.decibels(w, decoded);
        String encoding = (symmetric ? "MatMulNBits(symmetric)" : "MatMulNBits") + how;
        return new TensorReport(weight.name(), "int4", encoding, 4, blockSize, values.length, 4L * values.length,
                compressed, sqnr, null);
    }

    /**
     * The calibration moments of the consumers' activation input (the array itself when there is one input, so
     * weights sharing it share its factorization), their sum for several, or null when any is missing.
     */
    private double[] inputMoments(Weight weight, int k) {
        List<String> activations = weight.uses().stream().map(u -> u.node().getInput(0)).distinct().toList();
        double[] sum = null;
        for (String input : activations) {
            double[] moments = inputMoments.apply(input);
            if (moments == null || moments.length != k * k) {
                return null;
            }
            if (activations.size() == 1) {
                return moments;
            }
            if (sum == null) {
                sum = moments.clone();
            } else {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += moments[i];
                }
            }
        }
        return sum;
    }

    private List<NodeProto> replaceConsumer(NodeProto node, String b, String scales, String zeroPoints, int k, int n,
                                            RewriteScope scope) {
        String name = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
        List<String> inputs = new ArrayList<>(List.of(node.getInput(0), b, scales));
        if (zeroPoints != null) {
            inputs.add(zeroPoints);
        }
        String product = MatMulWeights.productName(node, scope);
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(Nodes.domainNode("com.microsoft", "MatMulNBits", scope.fresh(name + "_nbits"), inputs, List.of(product),
                Nodes.intAttribute("K", k), Nodes.intAttribute("N", n), Nodes.intAttribute("bits", 4),
                Nodes.intAttribute("block_size", blockSize)));
        nodes.addAll(MatMulWeights.gemmTail(node, product, scope));
        return nodes;
    }
}
