package com.modelpress.engine.testing;

import static com.modelpress.engine.testing.GraphBuilder.graph;
import static com.modelpress.engine.testing.GraphBuilder.integer;
import static com.modelpress.engine.testing.GraphBuilder.ints;
import static com.modelpress.engine.testing.GraphBuilder.model;
import static com.modelpress.engine.testing.GraphBuilder.real;
import static com.modelpress.engine.testing.GraphBuilder.tensor;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataLocation;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Tiny ONNX models built in code for tests: IR version 8, default-domain opset 17, float32 weights drawn
 * from a {@link Random} seeded with the {@code seed} argument (N(0, 0.1²) with a few outliers ten times
 * larger), so the same arguments always give the same bytes. Graph inputs and outputs use the symbolic
 * dimensions {@code batch} and {@code sequence}. Every model loads and runs in ONNX Runtime 1.29 CPU.
 */
public final class OnnxFixtures {

    /** Rows of the position table of {@link #bertLikeEncoder}: the longest sequence it accepts. */
    public static final int MAX_POSITIONS = 512;

    private OnnxFixtures() {
    }

    /** {@code Y[batch,n] = X[batch,k] · W[k,n] + B[n]} with initializers {@code W} and {@code B}. */
    public static ModelProto matMul(int k, int n, long seed) {
        GraphBuilder g = new GraphBuilder("matmul", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", k);
        String product = g.op("MatMul", x, g.weight("W", k, n));
        g.opTo("Y", "Add", List.of(), product, g.weight("B", n));
        g.output("Y", DataType.FLOAT, "batch", n);
        return model(g.build());
    }

    /**
     * {@code Y[batch,n] = Gemm(X[batch,k], W, C[n])} with alpha = beta = 1; initializer {@code W} is
     * {@code [n,k]} when {@code transB}, else {@code [k,n]}.
     */
    public static ModelProto gemm(int k, int n, boolean transB, long seed) {
        GraphBuilder g = new GraphBuilder("gemm", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", k);
        String w = transB ? g.weight("W", n, k) : g.weight("W", k, n);
        g.opTo("Y", "Gemm", List.of(real("alpha", 1f), real("beta", 1f), integer("transB", transB ? 1 : 0)),
                x, w, g.weight("C", n));
        g.output("Y", DataType.FLOAT, "batch", n);
        return model(g.build());
    }

    /**
     * {@code Y[batch,out,16,16] = Relu(Conv(X[batch,in,16,16], W[out,in,kernel,kernel], B[out]))} with
     * padding that keeps the spatial size.
     *
     * @param kernel odd kernel size
     */
    public static ModelProto conv2d(int inChannels, int outChannels, int kernel, long seed) {
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("kernel must be odd to keep the spatial size, was " + kernel);
        }
        GraphBuilder g = new GraphBuilder("conv2d", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", inChannels, 16, 16);
        int pad = kernel / 2;
        String conv = g.op("Conv",
                List.of(ints("kernel_shape", kernel, kernel), ints("pads", pad, pad, pad, pad)),
                x, g.weight("W", outChannels, inChannels, kernel, kernel), g.weight("B", outChannels));
        g.opTo("Y", "Relu", List.of(), conv);
        g.output("Y", DataType.FLOAT, "batch", outChannels, 16, 16);
        return model(g.build());
    }

    /**
     * A BN-folded depthwise-separable CNN like a mobile detector's backbone and head: {@code X[batch,3,32,32]} → stem
     * Conv 3×3 stride 2 (16 channels) → blocks of depthwise 3×3 (group = channels) + ReLU and pointwise 1×1 + ReLU
     * (16 → 64 → 128 → 128 channels, the second block's depthwise with stride 2) → 1×1 Conv to one channel →
     * {@code Sigmoid}: {@code Y[batch,1,8,8]}. Each kernel's output channels are scaled by a folded batch norm's
     * {@code γ/σ} (log-normal, spread over about two decades, as BN folding leaves real CNNs) and the biases carry
     * the folded {@code β − γμ/σ}, so per-channel ranges differ as much as in a real BN-folded model.
     */
    public static ModelProto depthwiseSeparableCnn(long seed) {
        GraphBuilder g = new GraphBuilder("dw_cnn", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", 3, 32, 32);
        String h = foldedConv(g, "stem", x, 3, 16, 3, 2, 1, true);
        int[][] blocks = {{16, 64, 1}, {64, 128, 2}, {128, 128, 1}};
        for (int b = 0; b < blocks.length; b++) {
            int in = blocks[b][0];
            h = foldedConv(g, "block" + b + "_dw", h, in, in, 3, blocks[b][2], in, true);
            h = foldedConv(g, "block" + b + "_pw", h, in, blocks[b][1], 1, 1, 1, true);
        }
        String logits = foldedConv(g, "head", h, 128, 1, 1, 1, 1, false);
        g.opTo("Y", "Sigmoid", List.of(), logits);
        g.output("Y", DataType.FLOAT, "batch", 1, 8, 8);
        return model(g.build());
    }

    /**
     * {@link #depthwiseSeparableCnn}'s layers as a Paddle export leaves them: each Conv (without bias) followed by an
     * inference-mode {@code BatchNormalization} (γ log-normal, β, running mean and variance random), then ReLU; the
     * head a plain Conv with bias. Every depthwise kernel is small ({@code channels × 9} elements: 144, 576, 1152).
     */
    public static ModelProto depthwiseSeparableCnnWithBatchNorm(long seed) {
        GraphBuilder g = new GraphBuilder("dw_cnn_bn", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", 3, 32, 32);
        String h = normalizedConv(g, "stem", x, 3, 16, 3, 2, 1);
        int[][] blocks = {{16, 64, 1}, {64, 128, 2}, {128, 128, 1}};
        for (int b = 0; b < blocks.length; b++) {
            int in = blocks[b][0];
            h = normalizedConv(g, "block" + b + "_dw", h, in, in, 3, blocks[b][2], in);
            h = normalizedConv(g, "block" + b + "_pw", h, in, blocks[b][1], 1, 1, 1);
        }
        String logits = foldedConv(g, "head", h, 128, 1, 1, 1, 1, false);
        g.opTo("Y", "Sigmoid", List.of(), logits);
        g.output("Y", DataType.FLOAT, "batch", 1, 8, 8);
        return model(g.build());
    }

    /** Conv without bias → BatchNormalization → ReLU. */
    private static String normalizedConv(GraphBuilder g, String name, String input, int in, int out, int kernel,
                                         int stride, int group) {
        Random random = g.random();
        int fanIn = in / group * kernel * kernel;
        float[] w = new float[out * fanIn];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * Math.sqrt(2.0 / fanIn));
        }
        float[][] norm = new float[4][out];
        for (int o = 0; o < out; o++) {
            norm[0][o] = (float) Math.exp(random.nextGaussian());
            norm[1][o] = (float) (random.nextGaussian() * 0.5);
            norm[2][o] = (float) (random.nextGaussian() * 0.2);
            norm[3][o] = (float) Math.exp(random.nextGaussian() * 0.5);
        }
        String weight = g.floats(name + ".weight", new long[]{out, in / group, kernel, kernel}, w);
        int pad = kernel / 2;
        String conv = g.op("Conv", List.of(ints("kernel_shape", kernel, kernel), ints("pads", pad, pad, pad, pad),
                ints("strides", stride, stride), integer("group", group)), input, weight);
        String normalized = g.op("BatchNormalization", List.of(real("epsilon", 1e-5f)), conv,
                g.floats(name + ".bn.scale", new long[]{out}, norm[0]), g.floats(name + ".bn.bias", new long[]{out}, norm[1]),
                g.floats(name + ".bn.mean", new long[]{out}, norm[2]), g.floats(name + ".bn.var", new long[]{out}, norm[3]));
        return g.op("Relu", normalized);
    }

    /**
     * A detector's upsampling head, BN-folded like {@link #depthwiseSeparableCnn}: {@code X[batch,64,8,8]} → Conv 1×1
     * (64 channels) + ReLU → {@code ConvTranspose} 2×2 stride 2 (64 → 32) + ReLU → {@code ConvTranspose} 2×2 stride 2
     * (32 → 16) + ReLU → Conv 1×1 to one channel → {@code Sigmoid}: {@code Y[batch,1,32,32]}.
     */
    public static ModelProto upsamplingHead(long seed) {
        GraphBuilder g = new GraphBuilder("upsampling_head", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", 64, 8, 8);
        String h = foldedConv(g, "reduce", x, 64, 64, 1, 1, 1, true);
        h = g.op("Relu", foldedTransposed(g, "up1", h, 64, 32));
        h = g.op("Relu", foldedTransposed(g, "up2", h, 32, 16));
        g.opTo("Y", "Sigmoid", List.of(), foldedConv(g, "map", h, 16, 1, 1, 1, 1, false));
        g.output("Y", DataType.FLOAT, "batch", 1, 32, 32);
        return model(g.build());
    }

    /** A 2×2 stride-2 ConvTranspose, {@code W[in, out, 2, 2]}, each output channel scaled by a folded batch norm. */
    private static String foldedTransposed(GraphBuilder g, String name, String input, int in, int out) {
        Random random = g.random();
        double[] fold = new double[out];
        float[] bias = new float[out];
        for (int o = 0; o < out; o++) {
            fold[o] = Math.exp(random.nextGaussian());
            bias[o] = (float) (random.nextGaussian() * 0.5 * fold[o]);
        }
        float[] w = new float[in * out * 4];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * fold[(i / 4) % out] * Math.sqrt(2.0 / in));
        }
        String weight = g.floats(name + ".weight", new long[]{in, out, 2, 2}, w);
        String b = g.floats(name + ".bias", new long[]{out}, bias);
        return g.op("ConvTranspose", List.of(ints("kernel_shape", 2, 2), ints("strides", 2, 2)), input, weight, b);
    }

    /** One Conv with a batch norm folded into its kernel and bias, then ReLU when asked. */
    private static String foldedConv(GraphBuilder g, String name, String input, int in, int out, int kernel, int stride,
                                     int group, boolean relu) {
        Random random = g.random();
        int perGroup = in / group;
        int taps = kernel * kernel;
        float[] w = new float[out * perGroup * taps];
        float[] bias = new float[out];
        double fanIn = perGroup * taps;
        for (int o = 0; o < out; o++) {
            double fold = Math.exp(random.nextGaussian() * 1.0); // γ/σ of the folded batch norm
            for (int i = 0; i < perGroup * taps; i++) {
                w[o * perGroup * taps + i] = (float) (random.nextGaussian() * fold * Math.sqrt(2 / fanIn));
            }
            bias[o] = (float) (random.nextGaussian() * 0.5 * fold);
        }
        String weight = g.floats(name + ".weight", new long[]{out, perGroup, kernel, kernel}, w);
        String b = g.floats(name + ".bias", new long[]{out}, bias);
        int pad = kernel / 2;
        String conv = g.op("Conv", List.of(ints("kernel_shape", kernel, kernel), ints("pads", pad, pad, pad, pad),
                ints("strides", stride, stride), integer("group", group)), input, weight, b);
        return relu ? g.op("Relu", conv) : conv;
    }

    /**
     * {@code Y[batch,sequence,dim] = Gather(embeddings[vocab,dim], input_ids[batch,sequence]) · W[dim,dim]};
     * {@code input_ids} is int64.
     */
    public static ModelProto gatherEmbedding(int vocab, int dim, long seed) {
        GraphBuilder g = new GraphBuilder("gather_embedding", new Random(seed));
        String ids = g.input("input_ids", DataType.INT64, "batch", "sequence");
        String rows = g.op("Gather", List.of(integer("axis", 0)), g.weight("embeddings", vocab, dim), ids);
        g.opTo("Y", "MatMul", List.of(), rows, g.weight("W", dim, dim));
        g.output("Y", DataType.FLOAT, "batch", "sequence", dim);
        return model(g.build());
    }

    /**
     * A single-head BERT-style encoder. Inputs (int64, {@code [batch,sequence]}): {@code input_ids} in
     * [0, vocab), {@code attention_mask} (1 = token, 0 = padding), {@code token_type_ids} in {0, 1}. Word,
     * position ({@link #MAX_POSITIONS} rows, positions 0..sequence-1 from Shape/Range) and token-type
     * embeddings are summed and layer-normalised; each layer has Q/K/V projections, scaled dot-product
     * attention with a {@code (1 - mask) * -10000} bias, an output projection, residual + LayerNorm, an
     * Erf-GELU feed-forward block of width 4·hidden, residual + LayerNorm. Output
     * {@code last_hidden_state[batch,sequence,hidden]}. Initializers are named like Hugging Face BERT's
     * ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.weight}, …).
     */
    public static ModelProto bertLikeEncoder(int vocab, int hidden, int layers, long seed) {
        GraphBuilder g = new GraphBuilder("bert_like_encoder", new Random(seed));
        String ids = g.input("input_ids", DataType.INT64, "batch", "sequence");
        String mask = g.input("attention_mask", DataType.INT64, "batch", "sequence");
        String types = g.input("token_type_ids", DataType.INT64, "batch", "sequence");
        long[] scalar = {};
        String one = g.floats("const_one", scalar, 1f);
        List<ai.onnx.proto.OnnxMl.AttributeProto> axis0 = List.of(integer("axis", 0));

        String words = g.op("Gather", axis0, g.weight("embeddings.word_embeddings.weight", vocab, hidden), ids);
        String sequenceLength = g.op("Gather", axis0, g.op("Shape", ids), g.longs("const_dim_1", scalar, 1));
        String positionIds = g.op("Range", g.longs("const_zero_i64", scalar, 0), sequenceLength,
                g.longs("const_one_i64", scalar, 1));
        String positions = g.op("Gather", axis0,
                g.weight("embeddings.position_embeddings.weight", MAX_POSITIONS, hidden), positionIds);
        String tokenTypes = g.op("Gather", axis0,
                g.weight("embeddings.token_type_embeddings.weight", 2, hidden), types);
        String h = layerNorm(g, "embeddings.LayerNorm", hidden,
                g.op("Add", g.op("Add", words, positions), tokenTypes));

        String maskFloat = g.op("Cast", List.of(integer("to", DataType.FLOAT_VALUE)), mask);
        String maskBias = g.op("Unsqueeze",
                g.op("Mul", g.op("Sub", one, maskFloat), g.floats("const_mask_penalty", scalar, -10000f)),
                g.longs("const_axes_1", new long[] {1}, 1));
        String scale = g.floats("const_attention_scale", scalar, (float) (1 / Math.sqrt(hidden)));
        String sqrt2 = g.floats("const_sqrt2", scalar, (float) Math.sqrt(2));
        String half = g.floats("const_half", scalar, 0.5f);

        for (int layer = 0; layer < layers; layer++) {
            String prefix = "encoder.layer." + layer + ".";
            String q = dense(g, prefix + "attention.self.query", h, hidden, hidden);
            String k = dense(g, prefix + "attention.self.key", h, hidden, hidden);
            String v = dense(g, prefix + "attention.self.value", h, hidden, hidden);
            String scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", List.of(ints("perm", 0, 2, 1)), k)),
                    scale);
            String probabilities = g.op("Softmax", List.of(integer("axis", -1)), g.op("Add", scores, maskBias));
            String context = g.op("MatMul", probabilities, v);
            String attention = dense(g, prefix + "attention.output.dense", context, hidden, hidden);
            h = layerNorm(g, prefix + "attention.output.LayerNorm", hidden, g.op("Add", attention, h));

            String intermediate = dense(g, prefix + "intermediate.dense", h, hidden, 4 * hidden);
            String gelu = g.op("Mul", g.op("Mul", intermediate,
                    g.op("Add", g.op("Erf", g.op("Div", intermediate, sqrt2)), one)), half);
            String output = dense(g, prefix + "output.dense", gelu, 4 * hidden, hidden);
            h = layerNorm(g, prefix + "output.LayerNorm", hidden, g.op("Add", output, h));
        }
        g.opTo("last_hidden_state", "Identity", List.of(), h);
        g.output("last_hidden_state", DataType.FLOAT, "batch", "sequence", hidden);
        return model(g.build());
    }

    /** {@code logits[batch,classes] = X[batch,k] · W[k,classes] + B[classes]}. */
    public static ModelProto classifier(int k, int classes, long seed) {
        GraphBuilder g = new GraphBuilder("classifier", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", k);
        g.opTo("logits", "Add", List.of(), g.op("MatMul", x, g.weight("W", k, classes)), g.weight("B", classes));
        g.output("logits", DataType.FLOAT, "batch", classes);
        return model(g.build());
    }

    /**
     * {@link #classifier} plus a second output {@code prediction[batch]}: the int64 ArgMax of the logits along
     * the last axis.
     */
    public static ModelProto classifierWithArgMax(int k, int classes, long seed) {
        GraphBuilder g = new GraphBuilder("classifier_argmax", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", k);
        g.opTo("logits", "Add", List.of(), g.op("MatMul", x, g.weight("W", k, classes)), g.weight("B", classes));
        g.opTo("prediction", "ArgMax", List.of(integer("axis", -1), integer("keepdims", 0)), "logits");
        g.output("logits", DataType.FLOAT, "batch", classes);
        g.output("prediction", DataType.INT64, "batch");
        return model(g.build());
    }

    /**
     * The {@link #matMul} model with the same weights behind float16 input and output: {@code X[batch,k]} and
     * {@code Y[batch,n]} are float16, cast to float32 around the MatMul and Add.
     */
    public static ModelProto matMulFloat16Io(int k, int n, long seed) {
        GraphBuilder g = new GraphBuilder("matmul_float16_io", new Random(seed));
        String x = g.input("X", DataType.FLOAT16, "batch", k);
        String x32 = g.op("Cast", List.of(integer("to", DataType.FLOAT_VALUE)), x);
        String y32 = g.op("Add", g.op("MatMul", x32, g.weight("W", k, n)), g.weight("B", n));
        g.opTo("Y", "Cast", List.of(integer("to", DataType.FLOAT16_VALUE)), y32);
        g.output("Y", DataType.FLOAT16, "batch", n);
        return model(g.build());
    }

    /**
     * {@code Y[batch,n] = X[batch,k] · W[k,n] + B[n]} where {@code W} is the output of a {@code Constant}
     * node (attribute {@code value}), not an initializer; {@code B} is an initializer.
     */
    public static ModelProto withConstantNode(int k, int n, long seed) {
        GraphBuilder g = new GraphBuilder("constant_node", new Random(seed));
        String x = g.input("X", DataType.FLOAT, "batch", k);
        g.opTo("W", "Constant", List.of(tensor("value", randomTensor(g.random(), "W", k, n))));
        g.opTo("Y", "Add", List.of(), g.op("MatMul", x, "W"), g.weight("B", n));
        g.output("Y", DataType.FLOAT, "batch", n);
        return model(g.build());
    }

    /**
     * {@code Y[batch,n] = cond ? X · W1 : X · W2} with a scalar bool input {@code cond} and
     * {@code X[batch,k]}: an {@code If} node whose then-branch holds its own initializer {@code W1[k,n]}
     * and whose else-branch takes {@code W2[k,n]} from a {@code Constant} node; both capture {@code X}
     * from the outer graph.
     */
    public static ModelProto withIfBranch(int k, int n, long seed) {
        Random random = new Random(seed);
        GraphBuilder g = new GraphBuilder("if_branch", random);
        String cond = g.input("cond", DataType.BOOL);
        String x = g.input("X", DataType.FLOAT, "batch", k);

        GraphBuilder then = new GraphBuilder("then_branch", random);
        then.opTo("then_Y", "MatMul", List.of(), x, then.weight("W1", k, n));
        then.output("then_Y", DataType.FLOAT, "batch", n);

        GraphBuilder otherwise = new GraphBuilder("else_branch", random);
        otherwise.opTo("W2", "Constant", List.of(tensor("value", randomTensor(random, "W2", k, n))));
        otherwise.opTo("else_Y", "MatMul", List.of(), x, "W2");
        otherwise.output("else_Y", DataType.FLOAT, "batch", n);

        g.opTo("Y", "If", List.of(graph("then_branch", then.build()), graph("else_branch", otherwise.build())),
                cond);
        g.output("Y", DataType.FLOAT, "batch", n);
        return model(g.build());
    }

    /**
     * Writes {@code dir/model.onnx}, the {@link #matMul} model whose initializer {@code W} is stored in
     * {@code dir/model.onnx.data} (external data: raw little-endian float32 at offset 0); {@code B} stays
     * inline.
     *
     * @param dir an existing folder
     * @return the path of {@code model.onnx}
     */
    public static Path withExternalData(Path dir, int k, int n, long seed) {
        ModelProto inline = matMul(k, n, seed);
        GraphProto.Builder graph = inline.getGraph().toBuilder();
        int index = initializerIndex(graph, "W");
        TensorProto w = graph.getInitializer(index);
        byte[] data = w.getRawData().toByteArray();
        String dataFile = "model.onnx.data";
        graph.setInitializer(index, w.toBuilder()
                .clearRawData()
                .setDataLocation(DataLocation.EXTERNAL)
                .addExternalData(entry("location", dataFile))
                .addExternalData(entry("offset", "0"))
                .addExternalData(entry("length", Integer.toString(data.length))));
        try {
            Files.write(dir.resolve(dataFile), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return write(inline.toBuilder().setGraph(graph).build(), dir.resolve("model.onnx"));
    }

    /**
     * Same inputs and output as {@link #gatherEmbedding} without the projection, plus an int64
     * {@code attention_mask[batch,sequence]}: {@code Y} is a row of {@code embeddings} (from {@code seed})
     * where the mask is 1 and a row of {@code padding_embeddings} (from {@code paddingSeed}) where it is 0.
     * Two models that differ only in {@code paddingSeed} agree exactly on unmasked positions.
     */
    public static ModelProto paddedEmbedding(int vocab, int dim, long seed, long paddingSeed) {
        GraphBuilder g = new GraphBuilder("padded_embedding", new Random(seed));
        String ids = g.input("input_ids", DataType.INT64, "batch", "sequence");
        String mask = g.input("attention_mask", DataType.INT64, "batch", "sequence");
        String tokens = g.op("Gather", List.of(integer("axis", 0)), g.weight("embeddings", vocab, dim), ids);
        g.addInitializer(randomTensor(new Random(paddingSeed), "padding_embeddings", vocab, dim));
        String padding = g.op("Gather", List.of(integer("axis", 0)), "padding_embeddings", ids);
        String keep = g.op("Unsqueeze", g.op("Cast", List.of(integer("to", DataType.FLOAT_VALUE)), mask),
                g.longs("const_axes_2", new long[] {1}, 2));
        String drop = g.op("Sub", g.floats("const_one", new long[] {}, 1f), keep);
        g.opTo("Y", "Add", List.of(), g.op("Mul", tokens, keep), g.op("Mul", padding, drop));
        g.output("Y", DataType.FLOAT, "batch", "sequence", dim);
        return model(g.build());
    }

    /**
     * A copy of {@code model} with every float32 initializer of the main graph multiplied by
     * {@code factor}; for a purely linear model every output is then scaled by the same factor.
     */
    public static ModelProto scaleWeights(ModelProto model, float factor) {
        return withInlineFloats(model, values -> {
            for (int j = 0; j < values.length; j++) {
                values[j] *= factor;
            }
        });
    }

    /**
     * A copy of {@code model} with seeded N(0, std²) noise added to every inline float32 initializer of the
     * main graph, the way quantization error perturbs weights.
     */
    public static ModelProto withNoise(ModelProto model, double std, long seed) {
        Random random = new Random(seed);
        return withInlineFloats(model, values -> {
            for (int j = 0; j < values.length; j++) {
                values[j] += (float) (random.nextGaussian() * std);
            }
        });
    }

    /** A copy of {@code model} whose inline float32 initializers of the main graph {@code change} has rewritten in place. */
    private static ModelProto withInlineFloats(ModelProto model, Consumer<float[]> change) {
        GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (t.getDataType() != DataType.FLOAT_VALUE || t.getDataLocation() == DataLocation.EXTERNAL) {
                continue;
            }
            float[] values = floats(t);
            change.accept(values);
            graph.setInitializer(i, t.toBuilder().clearFloatData()
                    .setRawData(ByteString.copyFrom(GraphBuilder.littleEndian(values))));
        }
        return model.toBuilder().setGraph(graph).build();
    }

    /**
     * The values of the main graph's inline float32 initializer {@code name}.
     *
     * @throws IllegalArgumentException when there is no such initializer
     */
    public static float[] initializerValues(ModelProto model, String name) {
        return floats(model.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no initializer named " + name)));
    }

    /** Writes {@code model} to {@code file} (replacing it) and returns {@code file}. */
    public static Path write(ModelProto model, Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The values of an inline float32 tensor, from raw data or {@code float_data}. */
    static float[] floats(TensorProto tensor) {
        if (!tensor.getRawData().isEmpty()) {
            FloatBuffer buffer = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return values;
        }
        float[] values = new float[tensor.getFloatDataCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.getFloatData(i);
        }
        return values;
    }

    private static String dense(GraphBuilder g, String name, String input, int in, int out) {
        return g.op("Add", g.op("MatMul", input, g.weight(name + ".weight", in, out)),
                g.weight(name + ".bias", out));
    }

    private static String layerNorm(GraphBuilder g, String name, int hidden, String input) {
        float[] ones = new float[hidden];
        Arrays.fill(ones, 1f);
        return g.op("LayerNormalization", List.of(integer("axis", -1), real("epsilon", 1e-12f)), input,
                g.floats(name + ".weight", new long[] {hidden}, ones),
                g.floats(name + ".bias", new long[] {hidden}, new float[hidden]));
    }

    private static TensorProto randomTensor(Random random, String name, long... dims) {
        return GraphBuilder.floatTensor(name, dims, GraphBuilder.gaussian(random, GraphBuilder.elements(dims)));
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static int initializerIndex(GraphProto.Builder graph, String name) {
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no initializer named " + name);
    }
}
