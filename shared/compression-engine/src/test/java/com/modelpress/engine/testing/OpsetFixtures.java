package com.modelpress.engine.testing;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.util.List;
import java.util.Random;

import static com.modelpress.engine.testing.GraphBuilder.graph;
import static com.modelpress.engine.testing.GraphBuilder.integer;
import static com.modelpress.engine.testing.GraphBuilder.ints;
import static com.modelpress.engine.testing.GraphBuilder.real;

/**
 * Models laid out the way older exporters write them, at any default-domain opset from 7: weights in
 * {@code Constant} nodes, behind {@code Identity}, {@code Cast}, {@code Reshape} and {@code Transpose}, and read from
 * inside an {@code If} branch. Only operators whose meaning has not changed since opset 7 are used (Gemm with its bias,
 * Reshape with a shape input), so the same graph is valid at every opset.
 */
public final class OpsetFixtures {

    /** Rows of the lookup table {@code table}. */
    public static final int VOCABULARY = 1000;

    /** Every weight of {@link #exported} at or above the default minimum size, by the name the report gives it. */
    public static final List<String> WEIGHTS = List.of("conv1.w", "conv2.w.oihw", "deconv.w", "fc.w", "proj.w.float",
            "then.w", "else.w", "table", "cell.w");

    private OpsetFixtures() {
    }

    /**
     * {@code X[1,16,8,8]}, {@code ids[n]} (int64 in [0, {@value #VOCABULARY})), {@code cond} (bool) →
     * {@code Y[1,64]}, {@code E[n,32]}:
     * <ul>
     *   <li>{@code Conv} reading {@code conv1.w [32,16,3,3]} from a Constant node (as Paddle exports);</li>
     *   <li>{@code Conv} reading an initializer stored HWIO {@code [3,3,32,32]} through Identity and
     *       {@code Transpose(perm=[3,2,0,1])} (as TensorFlow converters export);</li>
     *   <li>{@code ConvTranspose} reading {@code deconv.w [32,16,3,3]} from a Constant node;</li>
     *   <li>{@code MatMul} reading a flat Constant {@code [65536]} through {@code Reshape} to {@code [1024,64]};</li>
     *   <li>{@code Gemm(transB=1)} reading {@code proj.w [32,64]} through a float-to-float {@code Cast};</li>
     *   <li>{@code If(cond)} whose then-branch multiplies by the outer initializer {@code then.w [32,64]} and whose
     *       else-branch by its own Constant {@code else.w [32,64]};</li>
     *   <li>{@code Gather} of a Constant table {@code [1000,32]};</li>
     *   <li>an LSTM cell as PyTorch exports it: the Constant {@code cell.w [64,32]} cut by {@code Slice} into two gate
     *       matrices {@code [32,32]}, each read as {@code MatMul(h, Transpose(gate))}, into a third output
     *       {@code G[1,32]}.</li>
     * </ul>
     */
    public static ModelProto exported(int opset, long seed) {
        GraphBuilder g = new GraphBuilder("exported_opset_" + opset, new Random(seed));
        String x = g.input("X", DataType.FLOAT, 1, 16, 8, 8);
        String ids = g.input("ids", DataType.INT64, "n");
        String cond = g.input("cond", DataType.BOOL);
        List<ai.onnx.proto.OnnxMl.AttributeProto> same3x3 = List.of(ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));

        String conv1 = g.op("Relu", g.op("Conv", same3x3, x, g.constant("conv1.w", 32, 16, 3, 3)));
        String hwio = g.op("Identity", g.weight("conv2.w.hwio", 3, 3, 32, 32));
        g.opTo("conv2.w.oihw", "Transpose", List.of(ints("perm", 3, 2, 0, 1)), hwio);
        String conv2 = g.op("Relu", g.op("Conv", same3x3, conv1, "conv2.w.oihw"));
        String deconv = g.op("ConvTranspose", same3x3, conv2, g.constant("deconv.w", 32, 16, 3, 3));
        String flat = g.op("Flatten", List.of(integer("axis", 1)), deconv);

        String fc = g.op("Reshape", g.constant("fc.w.flat", 16 * 8 * 8 * 64), g.constantLongs("fc.shape", 1024, 64));
        g.opTo("fc.w", "Identity", List.of(), fc);
        String hidden = g.op("Relu", g.op("MatMul", flat, "fc.w"));
        g.opTo("proj.w.float", "Cast", List.of(integer("to", DataType.FLOAT_VALUE)), g.weight("proj.w", 32, 64));
        String projected = g.op("Gemm", List.of(real("alpha", 1f), real("beta", 1f), integer("transB", 1)),
                hidden, "proj.w.float", g.weight("proj.b", 32));

        g.weight("then.w", 32, 64);
        GraphBuilder then = new GraphBuilder("then_branch", g.random());
        then.opTo("then_Y", "MatMul", List.of(), projected, "then.w");
        then.output("then_Y", DataType.FLOAT, 1, 64);
        GraphBuilder otherwise = new GraphBuilder("else_branch", g.random());
        otherwise.opTo("else_Y", "MatMul", List.of(), projected, otherwise.constant("else.w", 32, 64));
        otherwise.output("else_Y", DataType.FLOAT, 1, 64);
        g.opTo("Y", "If", List.of(graph("then_branch", then.build()), graph("else_branch", otherwise.build())), cond);
        g.output("Y", DataType.FLOAT, 1, 64);

        g.opTo("E", "Gather", List.of(integer("axis", 0)), g.constant("table", VOCABULARY, 32), ids);
        g.output("E", DataType.FLOAT, "n", 32);

        String cell = g.constant("cell.w", 64, 32);
        String input = g.op("MatMul", projected, g.op("Transpose", List.of(ints("perm", 1, 0)), rows(g, opset, cell, 0, 32)));
        String forget = g.op("MatMul", projected, g.op("Transpose", List.of(ints("perm", 1, 0)), rows(g, opset, cell, 32, 64)));
        g.opTo("G", "Add", List.of(), g.op("Sigmoid", input), g.op("Tanh", forget));
        g.output("G", DataType.FLOAT, 1, 32);
        return GraphBuilder.model(g.build(), irVersion(opset), opset);
    }

    /**
     * Weights no encoding may touch, at the given opset: {@code Y[batch,32,64] = X · scale[32,64]} (an elementwise
     * Mul), and {@code Z[batch,64] = P[batch,32] · shared[32,64]} where {@code shared} is also a graph output.
     */
    public static ModelProto keptWeights(int opset, long seed) {
        GraphBuilder g = new GraphBuilder("kept_opset_" + opset, new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", 32, 64);
        String p = g.input("P", DataType.FLOAT, "batch", 32);
        g.opTo("Y", "Mul", List.of(), x, g.weight("scale", 32, 64));
        g.opTo("Z", "MatMul", List.of(), p, g.weight("shared", 32, 64));
        g.output("Y", DataType.FLOAT, "batch", 32, 64);
        g.output("Z", DataType.FLOAT, "batch", 64);
        g.output("shared", DataType.FLOAT, 32, 64);
        return GraphBuilder.model(g.build(), irVersion(opset), opset);
    }

    /** Rows {@code [start, end)} of a matrix: Slice with attributes before opset 10, with inputs from it. */
    private static String rows(GraphBuilder g, int opset, String matrix, long start, long end) {
        if (opset < 10) {
            return g.op("Slice", List.of(ints("starts", start), ints("ends", end), ints("axes", 0)), matrix);
        }
        return g.op("Slice", matrix, g.constantLongs(matrix + ".start" + start, start),
                g.constantLongs(matrix + ".end" + end, end), g.constantLongs(matrix + ".axes" + start, 0));
    }

    /** The IR version exporters wrote beside an opset (IR 4 came with opset 8; ONNX Runtime accepts it with 7). */
    static long irVersion(int opset) {
        if (opset <= 9) {
            return 4;
        }
        return opset <= 11 ? 6 : opset <= 13 ? 7 : GraphBuilder.IR_VERSION;
    }
}
