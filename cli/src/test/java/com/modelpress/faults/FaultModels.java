package com.modelpress.faults;

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
import java.util.Random;

/**
 * The model the fault scenarios compress, built in code: {@code layers} blocks of {@code Tanh(X · W_i)} with
 * {@code W_i[width, width]} from a seeded N(0, 1/width), IR 8, opset 17. Sized so that an {@code int4} job (GPTQ
 * calibration, evaluation, latency runs) takes a few seconds on a loaded 2-core machine: long enough to be killed
 * mid-run, short enough to run dozens of times.
 */
final class FaultModels {

    private FaultModels() {
    }

    /** @return the serialized model */
    static byte[] tanhChain(int width, int layers, long seed) {
        Random random = new Random(seed);
        GraphProto.Builder graph = GraphProto.newBuilder().setName("tanh-chain")
                .addInput(floatInfo("X", width));
        String previous = "X";
        for (int layer = 0; layer < layers; layer++) {
            ByteBuffer weights = ByteBuffer.allocate(width * width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            double scale = 1.0 / Math.sqrt(width);
            for (int i = 0; i < width * width; i++) {
                weights.putFloat((float) (random.nextGaussian() * scale));
            }
            String w = "W" + layer;
            String product = "P" + layer;
            String out = layer == layers - 1 ? "Y" : "H" + layer;
            graph.addInitializer(TensorProto.newBuilder().setName(w).setDataType(DataType.FLOAT_VALUE)
                            .addDims(width).addDims(width).setRawData(ByteString.copyFrom(weights.array())))
                    .addNode(NodeProto.newBuilder().setName("matmul" + layer).setOpType("MatMul")
                            .addInput(previous).addInput(w).addOutput(product))
                    .addNode(NodeProto.newBuilder().setName("tanh" + layer).setOpType("Tanh")
                            .addInput(product).addOutput(out));
            previous = out;
        }
        graph.addOutput(floatInfo("Y", width));
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("modelpress-fault-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static ValueInfoProto floatInfo(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }
}
