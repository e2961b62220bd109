package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model over 2 GB (22 × 100 MB weights in external data) compressed in a child JVM limited to a 768 MB
 * heap: the engine must stream tensors rather than hold the model, and the result must still run in ONNX
 * Runtime with outputs close to the original's.
 */
class LargeModelTest {

    static final int WIDTH = 5120;
    static final int LAYERS = 22;

    @TempDir
    Path dir;

    @Test
    void compressesAModelOverTwoGigabytesInABoundedHeap() throws Exception {
        Path input = writeLargeModel(dir.resolve("large"));
        assertThat(OnnxModel.read(input).totalBytes()).isGreaterThan(2L << 30);
        Path output = dir.resolve("large-int8.onnx");

        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                LargeModelTest.class.getName(), input.toString(), output.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        assertThat(child.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(dir.resolve("child.log"))).isZero();

        String[] result = Files.readString(dir.resolve("result.txt")).trim().split(" ");
        double ratio = Double.parseDouble(result[0]);
        double cosine = Double.parseDouble(result[1]);
        assertThat(ratio).isLessThan(0.27);
        assertThat(cosine).isGreaterThan(0.99);
        assertThat(OnnxModel.read(output).externalFiles()).containsExactly(dir.resolve("large-int8.onnx.data").toRealPath());
    }

    /** Child JVM: compress args[0] into args[1] with int8 and write "ratio cosineMean" next to it. */
    public static void main(String[] args) throws IOException {
        Path output = Path.of(args[1]);
        FidelityReport report = new ModelCompressor(new EvaluationSettings(1, 7, null, 0, Map.of()))
                .compress(Path.of(args[0]), output, CompressionMethod.of("int8", CompressionOptions.defaults()), ProgressListener.NONE);
        Files.writeString(output.resolveSibling("result.txt"),
                report.sizes().ratio() + " " + report.worstCosineMean() + "\n");
    }

    /** X[1, W] through LAYERS MatMuls with W×W weights, streamed to external data one tensor at a time. */
    static Path writeLargeModel(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path data = folder.resolve("large.onnx.data");
        GraphProto.Builder graph = GraphProto.newBuilder().setName("large");
        graph.addInput(value("X"));
        long bytes = 4L * WIDTH * WIDTH;
        float scale = (float) (1 / Math.sqrt(WIDTH)) * 1.7f;
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(4 * WIDTH).order(ByteOrder.LITTLE_ENDIAN);
            long state = 0x9E3779B97F4A7C15L;
            String previous = "X";
            for (int layer = 0; layer < LAYERS; layer++) {
                for (int row = 0; row < WIDTH; row++) {
                    chunk.clear();
                    for (int col = 0; col < WIDTH; col++) {
                        state ^= state << 13;
                        state ^= state >>> 7;
                        state ^= state << 17;
                        // uniform in [-scale, scale): variance-preserving for a random walk through the layers
                        chunk.putFloat(((state >>> 40) / (float) (1L << 24) * 2 - 1) * scale);
                    }
                    chunk.flip();
                    while (chunk.hasRemaining()) {
                        channel.write(chunk);
                    }
                }
                String weight = "W" + layer;
                graph.addInitializer(TensorProto.newBuilder().setName(weight).setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(WIDTH).addDims(WIDTH).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", "large.onnx.data"))
                        .addExternalData(entry("offset", Long.toString(layer * bytes)))
                        .addExternalData(entry("length", Long.toString(bytes))));
                String out = layer == LAYERS - 1 ? "Y" : "H" + layer;
                graph.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("matmul" + layer)
                        .addInput(previous).addInput(weight).addOutput(out));
                previous = out;
            }
        }
        graph.addOutput(value("Y"));
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("LargeModelTest")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(graph).build();
        Path file = folder.resolve("large.onnx");
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        }
        return file;
    }

    private static ValueInfoProto value(String name) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(WIDTH)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

}
