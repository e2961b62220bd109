package com.modelpress.engine.testing;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Accumulates the nodes, initializers, inputs and outputs of one ONNX graph for {@link OnnxFixtures}.
 * Node outputs are named {@code <op>_<counter>} unless given. Not thread-safe; one instance per graph.
 */
final class GraphBuilder {

    static final long IR_VERSION = 8;
    static final long OPSET = 17;

    private final GraphProto.Builder graph;
    private final Random random;
    private int counter;

    /** @param random source of every weight this builder makes; never null */
    GraphBuilder(String name, Random random) {
        this.graph = GraphProto.newBuilder().setName(name);
        this.random = random;
    }

    /**
     * Declares a graph input.
     *
     * @param dims each an {@link Integer}/{@link Long} fixed size or a {@link String} symbolic dimension
     */
    String input(String name, DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
        return name;
    }

    /** Declares a graph output; dims as in {@link #input}. */
    void output(String name, DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    /** Adds a float32 initializer of seeded gaussian values (see {@link #gaussian}). */
    String weight(String name, long... dims) {
        graph.addInitializer(floatTensor(name, dims, gaussian(random, elements(dims))));
        return name;
    }

    /** Adds a float32 initializer with the given values. */
    String floats(String name, long[] dims, float... values) {
        graph.addInitializer(floatTensor(name, dims, values));
        return name;
    }

    /** Adds an int64 initializer with the given values. */
    String longs(String name, long[] dims, long... values) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE);
        Arrays.stream(dims).forEach(tensor::addDims);
        Arrays.stream(values).forEach(tensor::addInt64Data);
        graph.addInitializer(tensor);
        return name;
    }

    /** Adds a node with one auto-named output and returns that output's name. */
    String op(String opType, List<AttributeProto> attributes, String... inputs) {
        String output = opType.toLowerCase(java.util.Locale.ROOT) + "_" + counter++;
        opTo(output, opType, attributes, inputs);
        return output;
    }

    String op(String opType, String... inputs) {
        return op(opType, List.of(), inputs);
    }

    /** Adds a node whose single output has the given name. */
    void opTo(String output, String opType, List<AttributeProto> attributes, String... inputs) {
        graph.addNode(NodeProto.newBuilder()
                .setName(opType + "_" + counter++)
                .setOpType(opType)
                .addAllInput(Arrays.asList(inputs))
                .addOutput(output)
                .addAllAttribute(attributes));
    }

    /** Adds a {@code Constant} node holding seeded gaussian values (see {@link #gaussian}) and returns its output. */
    String constant(String name, long... dims) {
        opTo(name, "Constant", List.of(tensor("value", floatTensor(name, dims, gaussian(random, elements(dims))))));
        return name;
    }

    /** Adds a {@code Constant} node holding an int64 vector and returns its output. */
    String constantLongs(String name, long... values) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE)
                .addDims(values.length);
        Arrays.stream(values).forEach(tensor::addInt64Data);
        opTo(name, "Constant", List.of(tensor("value", tensor.build())));
        return name;
    }

    /** Adds a node as given (another domain, several outputs). */
    void addNode(NodeProto node) {
        graph.addNode(node);
    }

    void addInitializer(TensorProto tensor) {
        graph.addInitializer(tensor);
    }

    Random random() {
        return random;
    }

    GraphProto build() {
        return graph.build();
    }

    /** Wraps a graph in a model: IR version 8, default-domain opset 17. */
    static ModelProto model(GraphProto graph) {
        return model(graph, IR_VERSION, OPSET);
    }

    /** Wraps a graph in a model of the given IR version importing the given default-domain opset. */
    static ModelProto model(GraphProto graph, long irVersion, long opset) {
        return ModelProto.newBuilder()
                .setIrVersion(irVersion)
                .setProducerName("modelpress-test-fixtures")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .build();
    }

    static ValueInfoProto valueInfo(String name, DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            switch (dim) {
                case String param when param.isEmpty() -> shape.addDimBuilder(); // unknown, unnamed
                case String param -> shape.addDimBuilder().setDimParam(param);
                case Number size -> shape.addDimBuilder().setDimValue(size.longValue());
                default -> throw new IllegalArgumentException("dimension must be a number or a name: " + dim);
            }
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    /** A float32 tensor with little-endian raw data. */
    static TensorProto floatTensor(String name, long[] dims, float[] values) {
        if (elements(dims) != values.length) {
            throw new IllegalArgumentException(
                    "tensor " + name + " has " + values.length + " values for dims " + Arrays.toString(dims));
        }
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE);
        Arrays.stream(dims).forEach(tensor::addDims);
        return tensor.setRawData(ByteString.copyFrom(littleEndian(values))).build();
    }

    static byte[] littleEndian(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return bytes.array();
    }

    /**
     * Seeded weights: N(0, 0.1²), and about one element in 256 (at least one) an outlier ten times larger,
     * the way real weight matrices carry a few large values.
     */
    static float[] gaussian(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * 0.1);
        }
        int outliers = Math.max(1, count / 256);
        for (int i = 0; i < outliers && count > 0; i++) {
            values[random.nextInt(count)] *= 10;
        }
        return values;
    }

    static int elements(long... dims) {
        long count = 1;
        for (long dim : dims) {
            count *= dim;
        }
        return Math.toIntExact(count);
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        Arrays.stream(values).forEach(attribute::addInts);
        return attribute.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    static AttributeProto stringAttribute(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto tensor(String name, TensorProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.TENSOR).setT(value).build();
    }

    static AttributeProto graph(String name, GraphProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.GRAPH).setG(value).build();
    }
}
