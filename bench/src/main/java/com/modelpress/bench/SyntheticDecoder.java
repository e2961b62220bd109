package com.modelpress.bench;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.modelpress.engine.evaluation.Npy;
import com.modelpress.engine.evaluation.NpyArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static com.modelpress.engine.graph.Nodes.constantValue;
import static com.modelpress.engine.graph.Nodes.intAttribute;
import static com.modelpress.engine.graph.Nodes.intsAttribute;

/**
 * A Llama-shaped decoder with random weights, written straight to disk for scale tests: token embedding, per layer
 * RMSNorm, q/k/v/o projections, multi-head attention with a KV cache ({@code past_key_values.N.key/value} in,
 * {@code present.N.key/value} out, concatenated along the sequence), a causal and an attention-mask bias, residual
 * adds, RMSNorm and a SwiGLU MLP (gate, up, down), a final RMSNorm and an untied LM head → {@code logits}. No
 * rotary embedding (it has no weights). Weights are uniform with variance {@code 1/fan_in} from a fixed xorshift
 * (the same shape gives the same bytes), in float32 or float16, all in one external data file written a row at a
 * time, so the generator needs no memory beyond one row. Activations and the cache are in the weights' type.
 *
 * @param hidden       model width
 * @param layers       decoder blocks
 * @param heads        attention heads (as many KV heads)
 * @param intermediate MLP width
 * @param vocabulary   embedding rows and logits
 * @param float16      weights (and activations) in float16 rather than float32
 */
record SyntheticDecoder(int hidden, int layers, int heads, int intermediate, int vocabulary, boolean float16) {

    SyntheticDecoder {
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden " + hidden + " is not a multiple of heads " + heads);
        }
    }

    /** Weights in the model (embedding and head included). */
    long parameters() {
        long perLayer = 4L * hidden * hidden + 3L * hidden * intermediate + 2L * hidden;
        return layers * perLayer + 2L * vocabulary * hidden + hidden;
    }

    /** Bytes of weights. */
    long weightBytes() {
        return parameters() * (float16 ? 2 : 4);
    }

    int headSize() {
        return hidden / heads;
    }

    String describe() {
        return String.format(Locale.ROOT, "hidden %d, %d layers, %d heads, MLP %d, vocabulary %d, %s weights, %.2f B parameters, %.2f GB",
                hidden, layers, heads, intermediate, vocabulary, float16 ? "fp16" : "fp32", parameters() / 1e9,
                weightBytes() / 1e9);
    }

    /**
     * Writes {@code <folder>/<name>.onnx} and {@code <name>.onnx.data}.
     *
     * @return the {@code .onnx} file
     */
    Path write(Path folder, String name) throws IOException {
        Files.createDirectories(folder);
        Builder g = new Builder(folder.resolve(name + ".onnx.data"), name + ".onnx.data");
        try (g) {
            int type = elementType();
            String ids = g.input("input_ids", TensorProto.DataType.INT64_VALUE, "batch", "sequence");
            String mask = g.input("attention_mask", TensorProto.DataType.INT64_VALUE, "batch", "total_sequence");
            String h = g.op("Gather", List.of(intAttribute("axis", 0)), g.weight("model.embed_tokens.weight", vocabulary, hidden, hidden), ids);

            // bias [batch, 1, sequence, total]: −10000 where the mask is 0 or the key position lies in the future
            String sequence = g.op("Slice", g.op("Shape", ids), g.longs(1), g.longs(2));
            String total = g.op("Slice", g.op("Shape", mask), g.longs(1), g.longs(2));
            String square = g.op("ConstantOfShape", List.of(constantValue(floatScalarTensor(1f))),
                    g.op("Concat", List.of(intAttribute("axis", 0)), sequence, total));
            String past = g.op("Squeeze", g.op("Sub", total, sequence), g.longs(0));
            String causal = g.op("Trilu", List.of(intAttribute("upper", 0)), square, past);
            String maskFloat = g.op("Cast", List.of(intAttribute("to", TensorProto.DataType.FLOAT_VALUE)), mask);
            String keep = g.op("Mul", g.op("Unsqueeze", g.op("Unsqueeze", maskFloat, g.longs(1)), g.longs(1)), causal);
            String bias = g.op("Mul", g.op("Sub", g.floats(1f), keep), g.floats(-10000f));
            if (float16) {
                bias = g.op("Cast", List.of(intAttribute("to", type)), bias);
            }
            String scale = g.typed((float) (1 / Math.sqrt(headSize())));
            long[] split = {0, 0, heads, headSize()};
            String headsShape = g.longs(split);
            String mergedShape = g.longs(0, 0, hidden);
            for (int layer = 0; layer < layers; layer++) {
                String prefix = "model.layers." + layer + ".";
                String normed = rmsNorm(g, prefix + "input_layernorm.weight", h);
                String q = g.op("Transpose", List.of(intsAttribute("perm", 0, 2, 1, 3)),
                        g.op("Reshape", g.op("MatMul", normed, g.weight(prefix + "self_attn.q_proj.weight", hidden, hidden, hidden)), headsShape));
                String k = g.op("Transpose", List.of(intsAttribute("perm", 0, 2, 1, 3)),
                        g.op("Reshape", g.op("MatMul", normed, g.weight(prefix + "self_attn.k_proj.weight", hidden, hidden, hidden)), headsShape));
                String v = g.op("Transpose", List.of(intsAttribute("perm", 0, 2, 1, 3)),
                        g.op("Reshape", g.op("MatMul", normed, g.weight(prefix + "self_attn.v_proj.weight", hidden, hidden, hidden)), headsShape));
                String pastKey = g.input("past_key_values." + layer + ".key", type, "batch", heads, "past_sequence", headSize());
                String pastValue = g.input("past_key_values." + layer + ".value", type, "batch", heads, "past_sequence", headSize());
                String key = g.opTo("present." + layer + ".key", "Concat", List.of(intAttribute("axis", 2)), pastKey, k);
                String value = g.opTo("present." + layer + ".value", "Concat", List.of(intAttribute("axis", 2)), pastValue, v);
                g.output(key, type, "batch", heads, "total_sequence", headSize());
                g.output(value, type, "batch", heads, "total_sequence", headSize());
                String scores = g.op("Add", g.op("Mul", g.op("MatMul", q,
                        g.op("Transpose", List.of(intsAttribute("perm", 0, 1, 3, 2)), key)), scale), bias);
                String context = g.op("MatMul", g.op("Softmax", List.of(intAttribute("axis", -1)), scores), value);
                String merged = g.op("Reshape", g.op("Transpose", List.of(intsAttribute("perm", 0, 2, 1, 3)), context), mergedShape);
                h = g.op("Add", h, g.op("MatMul", merged, g.weight(prefix + "self_attn.o_proj.weight", hidden, hidden, hidden)));

                String mlpIn = rmsNorm(g, prefix + "post_attention_layernorm.weight", h);
                String gate = g.op("MatMul", mlpIn, g.weight(prefix + "mlp.gate_proj.weight", hidden, intermediate, hidden));
                String up = g.op("MatMul", mlpIn, g.weight(prefix + "mlp.up_proj.weight", hidden, intermediate, hidden));
                String act = g.op("Mul", g.op("Mul", gate, g.op("Sigmoid", gate)), up);
                h = g.op("Add", h, g.op("MatMul", act, g.weight(prefix + "mlp.down_proj.weight", intermediate, hidden, intermediate)));
            }
            String last = rmsNorm(g, "model.norm.weight", h);
            g.opTo("logits", "MatMul", List.of(), last, g.weight("lm_head.weight", hidden, vocabulary, hidden));
            g.output("logits", type, "batch", "sequence", vocabulary);
            ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("modelpress-bench SyntheticDecoder")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g.graph.setName(name)).build();
            Path file = folder.resolve(name + ".onnx");
            try (OutputStream out = Files.newOutputStream(file)) {
                model.writeTo(out);
            }
            return file;
        }
    }

    /**
     * Prefill samples in the {@code --inputs} layout: random token ids, a mask of ones, an empty cache (past length
     * 0). One folder per sample under {@code folder}.
     */
    Path writeSamples(Path folder, int count, int length, long seed) throws IOException {
        Random random = new Random(seed);
        for (int s = 0; s < count; s++) {
            Path sample = Files.createDirectories(folder.resolve(String.format(Locale.ROOT, "%03d", s)));
            long[] ids = new long[length];
            long[] mask = new long[length];
            for (int t = 0; t < length; t++) {
                ids[t] = random.nextInt(vocabulary);
                mask[t] = 1;
            }
            Npy.write(sample.resolve("input_ids.npy"), NpyArray.ofLongs(ids, 1, length));
            Npy.write(sample.resolve("attention_mask.npy"), NpyArray.ofLongs(mask, 1, length));
            for (int layer = 0; layer < layers; layer++) {
                for (String part : List.of("key", "value")) {
                    Npy.write(sample.resolve("past_key_values." + layer + "." + part + ".npy"),
                            NpyArray.ofFloats(new float[0], 1, heads, 0, headSize()));
                }
            }
        }
        return folder;
    }

    private int elementType() {
        return float16 ? TensorProto.DataType.FLOAT16_VALUE : TensorProto.DataType.FLOAT_VALUE;
    }

    /** {@code x / sqrt(mean(x²) + ε) · γ} over the last axis, γ = 1. */
    private String rmsNorm(Builder g, String weight, String x) throws IOException {
        String meanSquare = g.op("ReduceMean", List.of(intsAttribute("axes", -1), intAttribute("keepdims", 1)),
                g.op("Mul", x, x));
        String normalised = g.op("Div", x, g.op("Sqrt", g.op("Add", meanSquare, g.typed(1e-5f))));
        return g.op("Mul", normalised, g.ones(weight, hidden));
    }

    /** Graph and external data under construction; the data file is closed with it. */
    private final class Builder implements AutoCloseable {
        final GraphProto.Builder graph = GraphProto.newBuilder();
        private final FileChannel data;
        private final String location;
        private final ByteBuffer row;
        private long position;
        private long state = 0x9E3779B97F4A7C15L;
        private int counter;

        Builder(Path dataFile, String location) throws IOException {
            this.data = FileChannel.open(dataFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            this.location = location;
            this.row = ByteBuffer.allocateDirect(4 * Math.max(Math.max(hidden, intermediate), vocabulary))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }

        String input(String name, int type, Object... dims) {
            graph.addInput(valueInfo(name, type, dims));
            return name;
        }

        void output(String name, int type, Object... dims) {
            graph.addOutput(valueInfo(name, type, dims));
        }

        String op(String opType, String... inputs) {
            return op(opType, List.of(), inputs);
        }

        String op(String opType, List<AttributeProto> attributes, String... inputs) {
            return opTo(opType.toLowerCase(Locale.ROOT) + "_" + counter, opType, attributes, inputs);
        }

        String opTo(String output, String opType, List<AttributeProto> attributes, String... inputs) {
            graph.addNode(NodeProto.newBuilder().setOpType(opType).setName(opType + "_" + counter++)
                    .addAllInput(List.of(inputs)).addOutput(output).addAllAttribute(attributes));
            return output;
        }

        /** A {@code [rows, columns]} random weight with variance {@code 1/fanIn}, appended to the data file. */
        String weight(String name, int rows, int columns, int fanIn) throws IOException {
            float bound = (float) Math.sqrt(3.0 / fanIn);
            int width = float16 ? 2 : 4;
            long offset = align();
            for (int r = 0; r < rows; r++) {
                row.clear();
                for (int c = 0; c < columns; c++) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    float value = ((state >>> 40) / (float) (1L << 24) * 2 - 1) * bound;
                    if (float16) {
                        row.putShort(Float.floatToFloat16(value));
                    } else {
                        row.putFloat(value);
                    }
                }
                row.flip();
                while (row.hasRemaining()) {
                    position += data.write(row, position);
                }
            }
            external(name, offset, (long) rows * columns * width, rows, columns);
            return name;
        }

        /** A vector of ones (a norm's γ), in the data file like the other weights. */
        String ones(String name, int length) throws IOException {
            long offset = align();
            row.clear();
            for (int i = 0; i < length; i++) {
                if (float16) {
                    row.putShort(Float.floatToFloat16(1f));
                } else {
                    row.putFloat(1f);
                }
            }
            row.flip();
            while (row.hasRemaining()) {
                position += data.write(row, position);
            }
            external(name, offset, (long) length * (float16 ? 2 : 4), length);
            return name;
        }

        private long align() {
            position = (position + 4095) / 4096 * 4096;
            return position;
        }

        private void external(String name, long offset, long length, long... dims) {
            TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(elementType())
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", location))
                    .addExternalData(entry("offset", Long.toString(offset)))
                    .addExternalData(entry("length", Long.toString(length)));
            for (long dim : dims) {
                tensor.addDims(dim);
            }
            graph.addInitializer(tensor);
        }

        /** An int64 vector constant. */
        String longs(long... values) {
            String name = "const_" + counter++;
            TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                    .addDims(values.length);
            for (long value : values) {
                tensor.addInt64Data(value);
            }
            graph.addInitializer(tensor);
            return name;
        }

        /** A float32 scalar constant. */
        String floats(float value) {
            String name = "const_" + counter++;
            graph.addInitializer(floatScalarTensor(value).toBuilder().setName(name));
            return name;
        }

        /** A scalar constant in the model's element type. */
        String typed(float value) {
            if (!float16) {
                return floats(value);
            }
            String name = "const_" + counter++;
            graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT16_VALUE)
                    .addInt32Data(Float.floatToFloat16(value) & 0xffff));
            return name;
        }

        @Override
        public void close() throws IOException {
            data.close();
        }
    }

    private static TensorProto floatScalarTensor(float value) {
        return TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(1).addFloatData(value).build();
    }

    private static ValueInfoProto valueInfo(String name, int type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            shape.addDim(dim instanceof Integer size ? TensorShapeProto.Dimension.newBuilder().setDimValue(size)
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(dim.toString()));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /** Names of the model's graph inputs, for tests. */
    List<String> inputNames() {
        List<String> names = new ArrayList<>(List.of("input_ids", "attention_mask"));
        for (int layer = 0; layer < layers; layer++) {
            names.add("past_key_values." + layer + ".key");
            names.add("past_key_values." + layer + ".value");
        }
        return names;
    }
}
