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
 * let {@link #gemmTail} restore Gemm's {@code alpha}, {@code beta} and bias; consumers that read the weight
 * through a Transpose count as reading it transposed. Stateless.
 */
public final class MatMulWeights {

    private MatMulWeights() {
    }

    /**
     * True when the weight is 2-D and every consumer is MatMul B or Gemm B (without {@code transA}), directly or
     * through a Transpose, all reading it the same way round, so one re-encoded matrix can serve them all.
     */
    public static boolean isRightHandSide(Weight weight) {
        if (weight.escapes() || weight.uses().isEmpty() || weight.tensor().getDimsCount() != 2) {
            return false;
        }
        Boolean transposed = null;
        for (Weight.Use use : weight.uses()) {
            Boolean t = readsTransposed(use);
            if (t == null || (transposed != null && !transposed.equals(t))) {
                return false;
            }
            transposed = t;
        }
        return true;
    }

    /**
     * True when the weight is a lookup table tied to a matrix product: a 2-D {@code [V, D]} tensor read by
     * {@code Gather} (axis 0, as data) and by MatMul/Gemm as the transposed right-hand side ({@code MatMul(h,
     * Transpose(E))}, {@code Gemm(h, E, transB=1)}) — an LM head sharing the embedding table. Both read the rows
     * of the table, so one row-blocked encoding can serve both.
     */
    public static boolean isTiedTable(Weight weight) {
        if (weight.escapes() || weight.tensor().getDimsCount() != 2) {
            return false;
        }
        boolean gathers = false;
        boolean products = false;
        for (Weight.Use use : weight.uses()) {
            if (isTableGather(use)) {
                gathers = true;
            } else if (Boolean.TRUE.equals(readsTransposed(use))) {
                products = true;
            } else {
                return false;
            }
        }
        return gathers && products;
    }

    /** True when the use is a default-domain {@code Gather} on axis 0 reading the weight itself as its data. */
    public static boolean isTableGather(Weight.Use use) {
        NodeProto node = use.node();
        return node.getOpType().equals("Gather") && node.getDomain().isEmpty() && use.inputIndex() == 0
                && !use.transposed() && Nodes.intAttribute(node, "axis", 0) == 0;
    }

    /**
     * For a matrix-product use, whether it reads the weight as {@code [N, K]} (transposed) rather than
     * {@code [K, N]}; null when the use is not MatMul B or Gemm B without {@code transA}.
     */
    public static Boolean readsTransposed(Weight.Use use) {
        NodeProto node = use.node();
        if (!node.getDomain().isEmpty() || use.inputIndex() != 1) {
            return null;
        }
        if (node.getOpType().equals("MatMul")) {
            return use.transposed();
        }
        if (node.getOpType().equals("Gemm") && Nodes.intAttribute(node, "transA", 0) == 0) {
            return (Nodes.intAttribute(node, "transB", 0) == 1) != use.transposed();
        }
        return null;
    }

    /**
     * The weight as the {@code [K, N]} matrix the product uses.
     *
     * @param k      reduction length
     * @param n      output columns
     * @param values row-major {@code [K, N]}
     */
    public record Matrix(int k, int n, float[] values) {}

    /**
     * Requires {@link #isRightHandSide}, {@link #isTiedTable} or a lookup table (every use a {@link #isTableGather});
     * a table's rows are the matrix's columns ({@code K} = row length).
     */
    public static Matrix asMatrix(Weight weight, float[] values) {
        long[] dims = weight.dims();
        if (!storedTransposed(weight)) {
            return new Matrix(Math.toIntExact(dims[0]), Math.toIntExact(dims[1]), values);
        }
        int n = Math.toIntExact(dims[0]);
        int k = Math.toIntExact(dims[1]);
        return new Matrix(k, n, transpose(values, n, k));
    }

    /** The reduction length {@code K} of the products reading the weight; requires what {@link #asMatrix} requires. */
    public static int k(Weight weight) {
        long[] dims = weight.dims();
        return Math.toIntExact(storedTransposed(weight) ? dims[1] : dims[0]);
    }

    /** Undoes {@link #asMatrix}: {@code [K, N]} values back in the weight's own layout. */
    public static float[] inWeightLayout(Weight weight, float[] matrix) {
        if (!storedTransposed(weight)) {
            return matrix;
        }
        return transpose(matrix, Math.toIntExact(weight.dims()[1]), Math.toIntExact(weight.dims()[0]));
    }

    /** The row-major {@code [cols, rows]} transpose of a row-major {@code [rows, cols]} matrix. */
    public static float[] transpose(float[] values, int rows, int cols) {
        float[] t = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = values[r * cols + c];
            }
        }
        return t;
    }

    /** True when the stored tensor is {@code [N, K]}: a table (tied or not), or every product reads it transposed. */
    private static boolean storedTransposed(Weight weight) {
        return weight.uses().stream().filter(use -> !isTableGather(use))
                .map(MatMulWeights::readsTransposed).findFirst().orElse(Boolean.TRUE);
    }

    /** The value name the product node should write: the consumer's output unless a Gemm tail follows. */
    public static String productName(NodeProto node, RewriteScope scope) {
        return needsTail(node) ? scope.fresh(node.getOutput(0) + "_product") : node.getOutput(0);
    }

    /**
     * Nodes that turn {@code product = A × W} into the consumer's output: {@code alpha·product + beta·C} for a
     * Gemm, nothing for a MatMul.
     *
     * @param valueType the ONNX float type of the product (constants are made in it)
     */
    public static List<NodeProto> gemmTail(NodeProto node, String product, int valueType, RewriteScope scope) {
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
            nodes.add(scaleBy(name + "_alpha", product, alpha, valueType, scaled, nodes, scope));
            product = scaled;
        }
        if (bias) {
            String c = node.getInput(2);
            if (beta != 1f) {
                String scaledC = scope.fresh(name + "_beta_c");
                nodes.add(scaleBy(name + "_beta", c, beta, valueType, scaledC, nodes, scope));
                c = scaledC;
            }
            nodes.add(Nodes.node("Add", scope.fresh(name + "_bias"), List.of(product, c), List.of(output)));
        }
        return nodes;
    }

    private static NodeProto scaleBy(String name, String input, float factor, int valueType, String output,
                                     List<NodeProto> nodes, RewriteScope scope) {
        String value = scope.fresh(name + "_value");
        nodes.add(Nodes.node("Constant", scope.fresh(name + "_const"), List.of(), List.of(value),
                Nodes.constantValue(Nodes.scalar(value, valueType, factor))));
        return Nodes.node("Mul", scope.fresh(name + "_mul"), List.of(input, value), List.of(output));
    }

    private static boolean needsTail(NodeProto node) {
        return node.getOpType().equals("Gemm") && (Nodes.floatAttribute(node, "alpha", 1f) != 1f || hasBias(node));
    }

    private static boolean hasBias(NodeProto node) {
        return node.getInputCount() > 2 && !node.getInput(2).isEmpty() && Nodes.floatAttribute(node, "beta", 1f) != 0f;
    }
}
