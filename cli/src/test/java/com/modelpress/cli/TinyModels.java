package com.modelpress.cli;

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

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The models the CLI tests need, built in code: {@code Y[batch,64] = X[batch,64] · W[64,64]} with seeded
 * N(0, 0.1²) weights, IR version 8, opset 17. Large enough for every method's default minimum of 1024 elements,
 * and 64 rows divide into int4 blocks of 16, 32 and 64.
 */
final class TinyModels {

    static final int SIZE = 64;

    private TinyModels() {
    }

    /** Writes the MatMul model to {@code file} and returns {@code file}. */
    static Path matMul(Path file) throws IOException {
        return write(file, "MatMul");
    }

    /**
     * Writes the same graph with an operator no ONNX Runtime implements in place of {@code MatMul}: valid ONNX
     * protobuf whose weight still qualifies for compression, but which no session can load.
     */
    static Path unknownOperator(Path file) throws IOException {
        return write(file, "NoSuchOperator");
    }

    private static Path write(Path file, String opType) throws IOException {
        Random random = new Random(42);
        ByteBuffer weights = ByteBuffer.allocate(SIZE * SIZE * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < SIZE * SIZE; i++) {
            weights.putFloat((float) (random.nextGaussian() * 0.1));
        }
        GraphProto graph = GraphProto.newBuilder()
                .setName("matmul")
                .addInput(floatInfo("X"))
                .addOutput(floatInfo("Y"))
                .addInitializer(TensorProto.newBuilder().setName("W").setDataType(DataType.FLOAT_VALUE)
                        .addDims(SIZE).addDims(SIZE).setRawData(ByteString.copyFrom(weights.array())))
                .addNode(NodeProto.newBuilder().setName("matmul").setOpType(opType)
                        .addInput("X").addInput("W").addOutput("Y"))
                .build();
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("modelpress-cli-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build();
        Files.write(file, model.toByteArray());
        return file;
    }

    private static ValueInfoProto floatInfo(String name) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(SIZE))
                .build();
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }
}
