package com.modelpress.engine.testing;

import static com.modelpress.engine.testing.GraphBuilder.integer;
import static com.modelpress.engine.testing.GraphBuilder.ints;
import static com.modelpress.engine.testing.GraphBuilder.model;
import static com.modelpress.engine.testing.GraphBuilder.real;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.util.List;
import java.util.Random;

/**
 * Tiny decoder-only language models built in code, the shapes Hugging Face and onnxruntime-genai exports have:
 * token embedding, then per layer causal self-attention with grouped key/value heads and an MLP, each with a
 * residual, then an LM head to {@code logits[batch, sequence, vocabulary]}. Float32 weights from a seeded
 * {@link Random} (see {@link GraphBuilder#gaussian}); every model loads and runs in ONNX Runtime 1.29 CPU.
 *
 * <p>The KV-cache variants take {@code past_key_values.N.key/value [batch, kvHeads, past_sequence, headDim]} and return
 * {@code present.N.key/value [batch, kvHeads, total_sequence, headDim]}, with {@code attention_mask
 * [batch, total_sequence]} covering past and current tokens; the causal mask is built from two {@code Range}s and a
 * {@code LessOrEqual}, as the TorchScript exporter builds it.
 */
public final class CachedDecoderFixtures {

    /** Rows of the learned position table: the longest sequence, past included. */
    public static final int MAX_POSITIONS = 256;

    private CachedDecoderFixtures() {
    }

    /**
     * The shape of a tiny decoder.
     *
     * @param vocabulary  rows of the embedding table
     * @param hidden      model width, {@code heads × headDim}
     * @param heads       query heads
     * @param kvHeads     key/value heads, dividing {@code heads}
     * @param layers      attention + MLP blocks
     * @param cache       KV-cache inputs and outputs
     * @param positionIds a {@code position_ids} input into a learned position table (else positions are implicit)
     * @param tied        the LM head reads the embedding table through a {@code Transpose}
     */
    public record Shape(int vocabulary, int hidden, int heads, int kvHeads, int layers, boolean cache,
                        boolean positionIds, boolean tied) {

        public Shape {
            if (hidden % heads != 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads must divide hidden and kvHeads heads");
            }
        }

        /** 256 tokens, width 64, 4 heads over 2 KV heads of 16, 2 layers, KV cache, position ids, untied. */
        public static Shape small() {
            return new Shape(256, 64, 4, 2, 2, true, true, false);
        }

        public int headDim() {
            return hidden / heads;
        }

        public Shape withoutCache() {
            return new Shape(vocabulary, hidden, heads, kvHeads, layers, false, positionIds, tied);
        }

        public Shape withoutPositionIds() {
            return new Shape(vocabulary, hidden, heads, kvHeads, layers, cache, false, tied);
        }

        public Shape tiedEmbeddings() {
            return new Shape(vocabulary, hidden, heads, kvHeads, layers, cache, positionIds, true);
        }
    }

    /** A decoder with a plain attention subgraph (MatMul, causal mask, Softmax, MatMul). */
    public static ModelProto decoder(Shape shape, long seed) {
        GraphBuilder g = new GraphBuilder("tiny_decoder", new Random(seed));
        int hd = shape.headDim();
        int groups = shape.heads() / shape.kvHeads();
        long[] scalar = {};
        List<AttributeProto> axis0 = List.of(integer("axis", 0));

        String ids = g.input("input_ids", DataType.INT64, "batch_size", "sequence_length");
        String mask = g.input("attention_mask", DataType.INT64, "batch_size", shape.cache() ? "total_sequence_length"
                : "sequence_length");
        String positions = shape.positionIds() ? g.input("position_ids", DataType.INT64, "batch_size", "sequence_length") : null;
        if (shape.cache()) {
            pastInputs(g, shape);
        }
        String table = g.weight("model.embed_tokens.weight", shape.vocabulary(), shape.hidden());
        String h = g.op("Gather", axis0, table, ids);
        if (positions != null) {
            h = g.op("Add", h, g.op("Gather", axis0, g.weight("model.embed_positions.weight", MAX_POSITIONS,
                    shape.hidden()), positions));
        }
        String zero = g.longs("const_zero", scalar, 0);
        String one = g.longs("const_one", scalar, 1);
        String two = g.longs("const_two", scalar, 2);
        String scale = g.floats("const_scale", scalar, (float) (1 / Math.sqrt(hd)));
        String negative = g.floats("const_masked", scalar, -1e9f);
        String splitHeads = g.longs("const_split_heads", new long[] {4}, 0, 0, shape.heads(), hd);
        String splitKv = g.longs("const_split_kv", new long[] {4}, 0, 0, shape.kvHeads(), hd);
        String groupHeads = g.longs("const_group_heads", new long[] {5}, 0, shape.kvHeads(), groups, -1, hd);
        String ungroupHeads = g.longs("const_ungroup_heads", new long[] {4}, 0, shape.heads(), -1, hd);
        String mergeHeads = g.longs("const_merge_heads", new long[] {3}, 0, 0, shape.hidden());
        String padding = g.op("Unsqueeze", g.op("Cast", List.of(integer("to", DataType.BOOL_VALUE)), mask),
                g.longs("const_mask_axes", new long[] {3}, 1, 2, 3));

        for (int layer = 0; layer < shape.layers(); layer++) {
            String prefix = "model.layers." + layer + ".";
            String q = g.op("Transpose", List.of(ints("perm", 0, 2, 1, 3)),
                    g.op("Reshape", g.op("MatMul", h, g.weight(prefix + "q_proj", shape.hidden(), shape.hidden())), splitHeads));
            String k = g.op("Transpose", List.of(ints("perm", 0, 2, 1, 3)), g.op("Reshape",
                    g.op("MatMul", h, g.weight(prefix + "k_proj", shape.hidden(), shape.kvHeads() * hd)), splitKv));
            String v = g.op("Transpose", List.of(ints("perm", 0, 2, 1, 3)), g.op("Reshape",
                    g.op("MatMul", h, g.weight(prefix + "v_proj", shape.hidden(), shape.kvHeads() * hd)), splitKv));
            if (shape.cache()) {
                String presentKey = "present." + layer + ".key";
                String presentValue = "present." + layer + ".value";
                g.opTo(presentKey, "Concat", List.of(integer("axis", 2)), "past_key_values." + layer + ".key", k);
                g.opTo(presentValue, "Concat", List.of(integer("axis", 2)), "past_key_values." + layer + ".value", v);
                k = presentKey;
                v = presentValue;
            }
            // causal: query i (absolute position total - sequence + i) sees keys 0 … its own position
            String total = g.op("Gather", axis0, g.op("Shape", k), two);
            String length = g.op("Gather", axis0, g.op("Shape", q), two);
            String rows = g.op("Range", g.op("Sub", total, length), total, one);
            String cols = g.op("Range", zero, total, one);
            String causal = g.op("LessOrEqual", g.op("Unsqueeze", cols, g.longs(prefix + "axes_cols", new long[] {1}, 0)),
                    g.op("Unsqueeze", rows, g.longs(prefix + "axes_rows", new long[] {1}, 1)));
            String allowed = g.op("And", causal, padding);

            String groupedQ = g.op("Reshape", q, groupHeads);
            String keys = g.op("Unsqueeze", k, g.longs(prefix + "axes_kv", new long[] {1}, 2));
            String values = g.op("Unsqueeze", v, g.longs(prefix + "axes_kv_v", new long[] {1}, 2));
            String scores = g.op("Mul", g.op("MatMul", groupedQ,
                    g.op("Transpose", List.of(ints("perm", 0, 1, 2, 4, 3)), keys)), scale);
            String probabilities = g.op("Softmax", List.of(integer("axis", -1)), g.op("Where", allowed, scores, negative));
            String context = g.op("Reshape", g.op("MatMul", probabilities, values), ungroupHeads);
            String merged = g.op("Reshape", g.op("Transpose", List.of(ints("perm", 0, 2, 1, 3)), context), mergeHeads);
            h = g.op("Add", h, g.op("MatMul", merged, g.weight(prefix + "o_proj", shape.hidden(), shape.hidden())));

            String up = g.op("MatMul", h, g.weight(prefix + "up_proj", shape.hidden(), 2 * shape.hidden()));
            String activated = g.op("Mul", up, g.op("Sigmoid", up));
            h = g.op("Add", h, g.op("MatMul", activated, g.weight(prefix + "down_proj", 2 * shape.hidden(), shape.hidden())));
        }
        String head = shape.tied() ? g.op("Transpose", List.of(ints("perm", 1, 0)), table)
                : g.weight("lm_head", shape.hidden(), shape.vocabulary());
        g.opTo("logits", "MatMul", List.of(), h, head);
        g.output("logits", DataType.FLOAT, "batch_size", "sequence_length", shape.vocabulary());
        for (int layer = 0; layer < shape.layers() && shape.cache(); layer++) {
            g.output("present." + layer + ".key", DataType.FLOAT, "batch_size", shape.kvHeads(), "total_sequence_length", hd);
            g.output("present." + layer + ".value", DataType.FLOAT, "batch_size", shape.kvHeads(), "total_sequence_length", hd);
        }
        return model(g.build());
    }

    /** The cache's inputs {@code past_key_values.N.key/value} of every layer: [batch, kvHeads, past, headDim]. */
    private static void pastInputs(GraphBuilder g, Shape shape) {
        for (int layer = 0; layer < shape.layers(); layer++) {
            g.input("past_key_values." + layer + ".key", DataType.FLOAT, "batch_size", shape.kvHeads(),
                    "past_sequence_length", shape.headDim());
            g.input("past_key_values." + layer + ".value", DataType.FLOAT, "batch_size", shape.kvHeads(),
                    "past_sequence_length", shape.headDim());
        }
    }

    /**
     * A decoder whose attention is onnxruntime-genai's {@code com.microsoft::GroupQueryAttention} (causal by definition,
     * no rotary), with the op's {@code seqlens_k [batch]} (int32, total length − 1) and {@code total_sequence_length}
     * (int32 scalar) as graph inputs, as some exports expose them.
     */
    public static ModelProto groupQueryAttention(Shape shape, long seed) {
        if (!shape.cache()) {
            throw new IllegalArgumentException("GroupQueryAttention decoders have a KV cache");
        }
        GraphBuilder g = new GraphBuilder("tiny_gqa_decoder", new Random(seed));
        int hd = shape.headDim();
        List<AttributeProto> axis0 = List.of(integer("axis", 0));
        String ids = g.input("input_ids", DataType.INT64, "batch_size", "sequence_length");
        g.input("attention_mask", DataType.INT64, "batch_size", "total_sequence_length");
        String seqlens = g.input("seqlens_k", DataType.INT32, "batch_size");
        String total = g.input("total_sequence_length", DataType.INT32);
        pastInputs(g, shape);
        String table = g.weight("model.embed_tokens.weight", shape.vocabulary(), shape.hidden());
        String h = g.op("Gather", axis0, table, ids);
        for (int layer = 0; layer < shape.layers(); layer++) {
            String prefix = "model.layers." + layer + ".";
            String q = g.op("MatMul", h, g.weight(prefix + "q_proj", shape.hidden(), shape.hidden()));
            String k = g.op("MatMul", h, g.weight(prefix + "k_proj", shape.hidden(), shape.kvHeads() * hd));
            String v = g.op("MatMul", h, g.weight(prefix + "v_proj", shape.hidden(), shape.kvHeads() * hd));
            String attention = prefix + "attention_output";
            g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder()
                    .setName(prefix + "GroupQueryAttention").setOpType("GroupQueryAttention").setDomain("com.microsoft")
                    .addInput(q).addInput(k).addInput(v)
                    .addInput("past_key_values." + layer + ".key").addInput("past_key_values." + layer + ".value")
                    .addInput(seqlens).addInput(total)
                    .addOutput(attention).addOutput("present." + layer + ".key").addOutput("present." + layer + ".value")
                    .addAttribute(integer("num_heads", shape.heads())).addAttribute(integer("kv_num_heads", shape.kvHeads()))
                    .addAttribute(real("scale", (float) (1 / Math.sqrt(hd))))
                    .build());
            h = g.op("Add", h, g.op("MatMul", attention, g.weight(prefix + "o_proj", shape.hidden(), shape.hidden())));
            String up = g.op("MatMul", h, g.weight(prefix + "up_proj", shape.hidden(), 2 * shape.hidden()));
            h = g.op("Add", h, g.op("MatMul", g.op("Mul", up, g.op("Sigmoid", up)),
                    g.weight(prefix + "down_proj", 2 * shape.hidden(), shape.hidden())));
        }
        String head = shape.tied() ? g.op("Transpose", List.of(ints("perm", 1, 0)), table)
                : g.weight("lm_head", shape.hidden(), shape.vocabulary());
        g.opTo("logits", "MatMul", List.of(), h, head);
        g.output("logits", DataType.FLOAT, "batch_size", "sequence_length", shape.vocabulary());
        for (int layer = 0; layer < shape.layers(); layer++) {
            g.output("present." + layer + ".key", DataType.FLOAT, "batch_size", shape.kvHeads(), "total_sequence_length", hd);
            g.output("present." + layer + ".value", DataType.FLOAT, "batch_size", shape.kvHeads(), "total_sequence_length", hd);
        }
        return model(g.build()).toBuilder()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
                .build();
    }
}
