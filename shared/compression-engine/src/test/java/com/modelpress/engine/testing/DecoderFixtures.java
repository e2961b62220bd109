package com.modelpress.engine.testing;

import static com.modelpress.engine.testing.GraphBuilder.integer;
import static com.modelpress.engine.testing.GraphBuilder.ints;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Small decoder-only language models built in code, shaped like the Llama-architecture exports users bring: token
 * embedding {@code Gather}, per layer RMSNorm, q/k/v projections with grouped-query attention (fewer key/value heads
 * than query heads, repeated to match), causal softmax attention, an output projection, a SwiGLU MLP, residuals, a
 * final RMSNorm and an LM head. Input {@code input_ids} (int64 {@code [batch, sequence]}, ids in [0, vocab)), output
 * {@code logits [batch, sequence, vocab]}; no KV cache. Weights are seeded N(0, 0.1²) with a few outliers, as in
 * {@link OnnxFixtures}; norm weights are ones. Every model loads and runs in ONNX Runtime 1.29 CPU.
 */
public final class DecoderFixtures {

    /** How the weights are stored, and so the types the graph computes in. */
    public enum Weights {
        /** float32 weights and activations. */
        FLOAT32,
        /** float16 weights, activations and logits (an LLM exported in fp16). */
        FLOAT16,
        /** bfloat16 weights, each read through {@code Cast(to=float)}; float32 activations (a bf16 checkpoint on CPU). */
        BFLOAT16
    }

    /** How the LM head reads its matrix. */
    public enum Head {
        /** Its own {@code [hidden, vocab]} initializer, {@code MatMul(h, W)}. */
        UNTIED,
        /** Its own {@code [vocab, hidden]} initializer, {@code MatMul(h, Transpose(W))}. */
        UNTIED_TRANSPOSED,
        /** The embedding table itself, {@code MatMul(h, Transpose(E))}: stored once, read twice. */
        TIED
    }

    /** Sizes; {@code hidden} must split into {@code heads} and {@code heads} into {@code kvHeads} groups. */
    public record Size(int vocab, int hidden, int layers, int heads, int kvHeads, int ffn) {
        public Size {
            if (hidden % heads != 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("hidden %d, heads %d, kv heads %d do not divide".formatted(hidden, heads, kvHeads));
            }
        }
    }

    /** Vocabulary 512, hidden 64, 2 layers, 4 heads over 2 key/value heads (GQA), MLP 128: about 140k weights. */
    public static final Size SMALL = new Size(512, 64, 2, 4, 2, 128);

    /** The name of the embedding table initializer. */
    public static final String EMBEDDING = "model.embed_tokens.weight";
    /** The name of the untied head's initializer. */
    public static final String HEAD = "lm_head.weight";

    private DecoderFixtures() {
    }

    public static ModelProto decoder(Size size, Weights weights, Head head, long seed) {
        return new Build(size, weights, new Random(seed)).model(head);
    }

    /** Builds one graph; not thread-safe. */
    private static final class Build {

        private final Size size;
        private final Weights weights;
        private final GraphBuilder g;
        /** The type activations are computed in. */
        private final DataType act;

        Build(Size size, Weights weights, Random random) {
            this.size = size;
            this.weights = weights;
            this.g = new GraphBuilder("decoder_" + weights.name().toLowerCase(java.util.Locale.ROOT), random);
            this.act = weights == Weights.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT;
        }

        ModelProto model(Head head) {
            int hd = size.hidden() / size.heads();
            String ids = g.input("input_ids", DataType.INT64, "batch", "sequence");
            String table = weight(EMBEDDING, gaussian(size.vocab() * size.hidden()), size.vocab(), size.hidden());
            String x = g.op("Gather", List.of(integer("axis", 0)), table, ids);
            String scale = scalar("attention_scale", (float) (1 / Math.sqrt(hd)));
            String penalty = scalar("mask_penalty", -10000f);
            for (int layer = 0; layer < size.layers(); layer++) {
                String p = "model.layers." + layer + ".";
                String n = rmsNorm(p + "input_layernorm.weight", x);
                String q = heads(g.op("MatMul", n, matrix(p + "self_attn.q_proj.weight", size.hidden(), size.heads() * hd)), size.heads(), hd);
                String k = repeat(heads(g.op("MatMul", n, matrix(p + "self_attn.k_proj.weight", size.hidden(), size.kvHeads() * hd)), size.kvHeads(), hd), hd);
                String v = repeat(heads(g.op("MatMul", n, matrix(p + "self_attn.v_proj.weight", size.hidden(), size.kvHeads() * hd)), size.kvHeads(), hd), hd);
                String scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", List.of(ints("perm", 0, 1, 3, 2)), k)), scale);
                String probabilities = g.op("Softmax", List.of(integer("axis", -1)), g.op("Add", scores, causalMask(ids, penalty)));
                String context = g.op("Reshape", g.op("Transpose", List.of(ints("perm", 0, 2, 1, 3)), g.op("MatMul", probabilities, v)),
                        g.longs(p + "context_shape", new long[]{3}, 0, 0, size.hidden()));
                x = g.op("Add", x, g.op("MatMul", context, matrix(p + "self_attn.o_proj.weight", size.hidden(), size.hidden())));
                String m = rmsNorm(p + "post_attention_layernorm.weight", x);
                String gate = g.op("MatMul", m, matrix(p + "mlp.gate_proj.weight", size.hidden(), size.ffn()));
                String up = g.op("MatMul", m, matrix(p + "mlp.up_proj.weight", size.hidden(), size.ffn()));
                String swiglu = g.op("Mul", g.op("Mul", gate, g.op("Sigmoid", gate)), up);
                x = g.op("Add", x, g.op("MatMul", swiglu, matrix(p + "mlp.down_proj.weight", size.ffn(), size.hidden())));
            }
            String h = rmsNorm("model.norm.weight", x);
            String headMatrix = switch (head) {
                case UNTIED -> matrix(HEAD, size.hidden(), size.vocab());
                case UNTIED_TRANSPOSED -> g.op("Transpose", List.of(ints("perm", 1, 0)), matrix(HEAD, size.vocab(), size.hidden()));
                case TIED -> g.op("Transpose", List.of(ints("perm", 1, 0)), table);
            };
            g.opTo("logits", "MatMul", List.of(), h, headMatrix);
            g.output("logits", act, "batch", "sequence", size.vocab());
            return GraphBuilder.model(g.build());
        }

        /** {@code [batch, sequence, heads·hd]} → {@code [batch, heads, sequence, hd]}. */
        private String heads(String projected, int heads, int hd) {
            String shape = g.longs(fresh("heads_shape"), new long[]{4}, 0, 0, heads, hd);
            return g.op("Transpose", List.of(ints("perm", 0, 2, 1, 3)), g.op("Reshape", projected, shape));
        }

        /** Grouped-query attention: each key/value head serves {@code heads / kvHeads} query heads. */
        private String repeat(String kv, int hd) {
            int groups = size.heads() / size.kvHeads();
            if (groups == 1) {
                return kv;
            }
            String unsqueezed = g.op("Unsqueeze", kv, g.longs(fresh("group_axis"), new long[]{1}, 2));
            String expanded = g.op("Expand", unsqueezed, g.longs(fresh("group_shape"), new long[]{5}, 1, 1, groups, 1, 1));
            return g.op("Reshape", expanded, g.longs(fresh("grouped_shape"), new long[]{4}, 0, size.heads(), -1, hd));
        }

        /** {@code [sequence, sequence]}: 0 on and below the diagonal, {@code penalty} above it. */
        private String causalMask(String ids, String penalty) {
            String length = g.op("Gather", List.of(integer("axis", 0)), g.op("Shape", ids), g.longs(fresh("sequence_axis"), new long[]{1}, 1));
            String square = g.op("Concat", List.of(integer("axis", 0)), length, length);
            TensorProto one = typed(fresh("one"), act, new long[]{1}, new float[]{1f});
            String ones = g.op("ConstantOfShape", List.of(GraphBuilder.tensor("value", one)), square);
            String above = g.op("Trilu", List.of(integer("upper", 1)), ones, g.longs(fresh("diagonal"), new long[]{}, 1));
            return g.op("Mul", above, penalty);
        }

        private String rmsNorm(String name, String x) {
            float[] ones = new float[size.hidden()];
            Arrays.fill(ones, 1f);
            String meanSquare = g.op("ReduceMean", List.of(ints("axes", -1), integer("keepdims", 1)), g.op("Mul", x, x));
            String rms = g.op("Sqrt", g.op("Add", meanSquare, scalar(fresh("epsilon"), 1e-5f)));
            return g.op("Mul", g.op("Div", x, rms), weight(name, ones, size.hidden()));
        }

        private String matrix(String name, int rows, int cols) {
            return weight(name, gaussian(rows * cols), rows, cols);
        }

        /** A weight in the stored type; bf16 weights are read through a Cast to float. */
        private String weight(String name, float[] values, long... dims) {
            DataType stored = switch (weights) {
                case FLOAT32 -> DataType.FLOAT;
                case FLOAT16 -> DataType.FLOAT16;
                case BFLOAT16 -> DataType.BFLOAT16;
            };
            g.addInitializer(typed(name, stored, dims, values));
            if (weights != Weights.BFLOAT16) {
                return name;
            }
            return g.op("Cast", List.of(integer("to", DataType.FLOAT_VALUE)), name);
        }

        private String scalar(String name, float value) {
            g.addInitializer(typed(name, act, new long[]{}, new float[]{value}));
            return name;
        }

        private float[] gaussian(int count) {
            return GraphBuilder.gaussian(g.random(), count);
        }

        private int counter;

        private String fresh(String base) {
            return base + "_" + counter++;
        }
    }

    /** A tensor of float type {@code type} holding {@code values} (rounded to it), little-endian raw data. */
    static TensorProto typed(String name, DataType type, long[] dims, float[] values) {
        if (type == DataType.FLOAT) {
            return GraphBuilder.floatTensor(name, dims, values);
        }
        ByteBuffer bytes = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putShort(type == DataType.FLOAT16 ? Float.floatToFloat16(v) : (short) (Float.floatToIntBits(v) >>> 16));
        }
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        Arrays.stream(dims).forEach(tensor::addDims);
        return tensor.setRawData(ByteString.copyFrom(bytes.array())).build();
    }
}
