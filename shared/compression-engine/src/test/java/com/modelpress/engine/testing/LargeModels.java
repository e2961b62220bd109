package com.modelpress.engine.testing;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Models too large to hold in memory, for tests that prove the engine streams: {@code X[1, width]} through
 * {@code layers} MatMuls with {@code width × width} float weights, all in one external data file written a row at
 * a time. Weights are uniform in ±1.7/√width (variance-preserving through the layers) from a fixed xorshift, so
 * the same arguments give the same bytes. Used by the engine's and the worker's tests (the engine's test-jar).
 */
public final class LargeModels {

    private LargeModels() {
    }

    /**
     * Writes {@code <folder>/<name>.onnx} and its external data {@code <name>.onnx.data}
     * ({@code 4 · width² · layers} bytes).
     *
     * @return the {@code .onnx} file
     */
    public static Path write(Path folder, String name, int width, int layers) throws IOException {
        Files.createDirectories(folder);
        String dataName = name + ".onnx.data";
        GraphProto.Builder graph = GraphProto.newBuilder().setName(name);
        graph.addInput(value("X", width));
        long bytes = 4L * width * width;
        float scale = (float) (1 / Math.sqrt(width)) * 1.7f;
        try (FileChannel channel = FileChannel.open(folder.resolve(dataName), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(4 * width).order(ByteOrder.LITTLE_ENDIAN);
            long state = 0x9E3779B97F4A7C15L;
            String previous = "X";
            for (int layer = 0; layer < layers; layer++) {
                for (int row = 0; row < width; row++) {
                    chunk.clear();
                    for (int col = 0; col < width; col++) {
                        state ^= state << 13;
                        state ^= state >>> 7;
                        state ^= state << 17;
                        chunk.putFloat(((state >>> 40) / (float) (1L << 24) * 2 - 1) * scale);
                    }
                    chunk.flip();
                    while (chunk.hasRemaining()) {
                        channel.write(chunk);
                    }
                }
                String weight = "W" + layer;
                graph.addInitializer(TensorProto.newBuilder().setName(weight).setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(width).addDims(width).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", dataName))
                        .addExternalData(entry("offset", Long.toString(layer * bytes)))
                        .addExternalData(entry("length", Long.toString(bytes))));
                String out = layer == layers - 1 ? "Y" : "H" + layer;
                graph.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("matmul" + layer)
                        .addInput(previous).addInput(weight).addOutput(out));
                previous = out;
            }
        }
        graph.addOutput(value("Y", width));
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("LargeModels")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(graph).build();
        Path file = folder.resolve(name + ".onnx");
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        }
        return file;
    }

    private static ValueInfoProto value(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
