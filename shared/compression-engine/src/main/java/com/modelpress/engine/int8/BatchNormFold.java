package com.modelpress.engine.int8;

import ai.onnx.proto.OnnxMl.NodeProto;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;

import java.util.Optional;

/**
 * An inference-mode {@code BatchNormalization} that alone reads a {@code Conv}'s output, folded into that convolution:
 * per output channel {@code a = γ/√(σ² + ε)}, kernel {@code a·W}, bias {@code a·(b − μ) + β}. The int8 kernel is then
 * the one ONNX Runtime runs anyway (it folds the same way when it loads the model), and the four per-channel vectors
 * become one bias, which also takes the bias correction.
 *
 * @param node      the BatchNormalization's index in the scope
 * @param output    its output, which the folded Conv produces
 * @param multiplier {@code a} per output channel
 * @param bias      the folded bias per output channel
 */
record BatchNormFold(int node, String output, double[] multiplier, double[] bias) {

    /**
     * The fold for the weight's convolution ({@link CalibratedConv#applies}, not transposed), or empty when its output
     * has other readers, the normalization is in training mode or per activation, or its parameters are not float32
     * initializers of {@code channels} values.
     */
    static Optional<BatchNormFold> find(Weight weight, RewriteScope scope, int channels) {
        Weight.Use use = weight.uses().getFirst();
        NodeProto conv = use.node();
        if (!conv.getOpType().equals("Conv") || conv.getOutputCount() != 1) {
            return Optional.empty();
        }
        int index = scope.soleReader(conv.getOutput(0));
        if (index < 0 || !scope.nodeAvailable(index)) {
            return Optional.empty();
        }
        NodeProto norm = scope.node(index);
        if (!norm.getOpType().equals("BatchNormalization") || !norm.getDomain().isEmpty() || norm.getInputCount() != 5
                || !norm.getInput(0).equals(conv.getOutput(0))
                || norm.getOutputList().stream().skip(1).anyMatch(o -> !o.isEmpty())
                || Nodes.intAttribute(norm, "training_mode", 0) != 0 || Nodes.intAttribute(norm, "spatial", 1) != 1) {
            return Optional.empty();
        }
        float[][] parameters = new float[4][];
        for (int p = 0; p < 4; p++) {
            parameters[p] = scope.initializerFloats(norm.getInput(p + 1));
            if (parameters[p] == null || parameters[p].length != channels) {
                return Optional.empty();
            }
        }
        float[] convBias = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty()
                ? scope.initializerFloats(conv.getInput(2)) : new float[channels];
        if (convBias == null || convBias.length != channels) {
            return Optional.empty();
        }
        double epsilon = Nodes.floatAttribute(norm, "epsilon", 1e-5f);
        double[] multiplier = new double[channels];
        double[] bias = new double[channels];
        for (int o = 0; o < channels; o++) {
            multiplier[o] = parameters[0][o] / Math.sqrt(parameters[3][o] + epsilon);
            bias[o] = multiplier[o] * (convBias[o] - parameters[2][o]) + parameters[1][o];
        }
        return Optional.of(new BatchNormFold(index, norm.getOutput(0), multiplier, bias));
    }

    /** The kernel {@code [M, …]} with each output channel's values times its multiplier. */
    float[] scale(float[] kernel) {
        int channels = multiplier.length;
        int perChannel = kernel.length / channels;
        float[] folded = new float[kernel.length];
        for (int i = 0; i < kernel.length; i++) {
            folded[i] = (float) (kernel[i] * multiplier[i / perChannel]);
        }
        return folded;
    }

    /** Drops the normalization's parameters where only it reads them; the caller replaces the node itself. */
    void dropParameters(RewriteScope scope) {
        NodeProto norm = scope.node(node);
        for (int p = 1; p < 5; p++) {
            scope.dropInitializerOnlyReadBy(norm.getInput(p), node);
        }
    }
}
