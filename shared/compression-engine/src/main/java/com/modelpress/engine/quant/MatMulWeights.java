package com.modelpress.engine.quant;

import ai.onnx.proto.OnnxMl.NodeProto;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;

import java.util.ArrayList;
import java.util.List;

/**
 * Weights used as the right-hand side of a matrix product (MatMul B, Gemm B) and the rewrite of their
 * consumers: methods that replace a MatMul or Gemm compute {@code A × W} with {@code W} as {@code [K, N]} and
 * let {@link #gemmTail} restore Gemm's {@code alpha}, {@code beta} and bias. Stateless.
 */
public final class MatMulWeights {

    private MatMulWeights() {
    }

    /**
     * True when the weight is 2-D and every consumer is MatMul B or Gemm B (without {@code transA}), all reading
     * it the same way round, so one re-encoded matrix can serve them all.
     */
    public static boolean isRightHandSide(Weight weight) {
        if (weight.escapes() || weight.uses().isEmpty() || weight.tensor().getDimsCount() != 2) {
            return false;
        }
        Boolean transposed = null;
        for (Weight.Use use : weight.uses()) {
            NodeProto node = use.node();
            if (!node.getDomain().isEmpty() || use.inputIndex() != 1) {
                return false;
            }
            boolean t;
            if (node.getOpType().equals("MatMul")) {
                t = false;
            } else if (node.getOpType().equals("Gemm") && Nodes.intAttribute(node, "transA", 0) == 0) {
                t = Nodes.intAttribute(node, "transB", 0) == 1;
            } else {
                return false;
            }
            if (transposed != null && transposed != t) {
                return false;
            }
            transposed = t;
        }
        return true;
    }

    /**
     * The weight as the {@code [K, N]} matrix the product uses.
     *
     * @param k      reduction length
     * @param n      output columns
     * @param values row-major {@code [K, N]}
     */
    public record Matrix(int k, int n, float[] values) {}

    /** Requires {@link #isRightHandSide}. */
    public static Matrix asMatrix(Weight weight, float[] values) {
        long[] dims = weight.dims();
        NodeProto first = weight.uses().getFirst().node();
        boolean transB = first.getOpType().equals("Gemm") && Nodes.intAttribute(first, "transB", 0) == 1;
        if (!transB) {
            return new Matrix(Math.toIntExact(dims[0]), Math.toIntExact(dims[1]), values);
        }
        int n = Math.toIntExact(dims[0]);
        int k = Math.toIntExact(dims[1]);
        float[] t = new float[values.length];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < k; c++) {
                t[c * n + r] = values[r * k + c];
            }
        }
        return new Matrix(k, n, t);
    }

    /** Undoes {@link #asMatrix}: {@code [K, N]} values back in the weight's own layout. */
    public static float[] inWeightLayout(Weight weight, float[] matrix) {
        NodeProto first = weight.uses().getFirst().node();
        boolean transB = first.getOpType().equals("Gemm") && Nodes.intAttribute(first, "transB", 0) == 1;
        if (!transB) {
            return matrix;
        }
        int n = Math.toIntExact(weight.dims()[0]);
        int k = Math.toIntExact(weight.dims()[1]);
        float[] t = new float[matrix.length];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < k; c++) {
                t[r * k + c] = matrix[c * n + r];
            }
        }
        return t;
    }

    /** The value name the product node should write: the consumer's output unless a Gemm tail follows. */
    public static String productName(NodeProto node, RewriteScope scope) {
        return needsTail(node) ? scope.fresh(node.getOutput(0) + "_product") : node.getOutput(0);
    }

    /**
     * Nodes that turn {@code product = A × W} into the consumer's output: {@code alpha·product + beta·C} for a
     * Gemm, nothing for a MatMul.
     */
    public static List<NodeProto> gemmTail(NodeProto node, String product, RewriteScope scope) {
        List<NodeProto> nodes = new ArrayList<>();
        if (!needsTail(node)) {
            return nodes;
        }
        String output = node.getOutput(0);
        String name = node.getName().isEmpty() ? output : node.getName();
        float alpha = Nodes.floatAttribute(node, "alpha", 1f);
        float beta = Nodes.floatAttribute(node, "beta", 1f);
        boolean bias = hasBias(node);
        if (alpha != 1f) {
            String scaled = bias ? scope.fresh(output + "_alpha") : output;
            nodes.add(scaleBy(name + "_alpha", product, alpha, scaled, nodes, scope));
            product = scaled;
        }
        if (bias) {
            String c = node.getInput(2);
            if (beta != 1f) {
                String scaledC = scope.fresh(name + "_beta_c");
                nodes.add(scaleBy(name + "_beta", c, beta, scaledC, nodes, scope));
                c = scaledC;
            }
            nodes.add(Nodes.node("Add", scope.fresh(name + "_bias"), List.of(product, c), List.of(output)));
        }
        return nodes;
    }

    private static NodeProto scaleBy(String name, String input, float factor, String output, List<NodeProto> nodes,
                                     RewriteScope scope) {
        String value = scope.fresh(name + "_value");
        nodes.add(Nodes.node("Constant", scope.fresh(name + "_const"), List.of(), List.of(value),
                Nodes.constantValue(Nodes.floatScalar(value, factor))));
        return Nodes.node("Mul", scope.fresh(name + "_mul"), List.of(input, value), List.of(output));
    }

    private static boolean needsTail(NodeProto node) {
        return node.getOpType().equals("Gemm") && (Nodes.floatAttribute(node, "alpha", 1f) != 1f || hasBias(node));
    }

    private static boolean hasBias(NodeProto node) {
        return node.getInputCount() > 2 && !node.getInput(2).isEmpty() && Nodes.floatAttribute(node, "beta", 1f) != 0f;
    }
}
