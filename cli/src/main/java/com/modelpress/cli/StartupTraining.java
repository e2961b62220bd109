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
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The training run of the {@code ./modelpress} script's ahead-of-time cache (JEP 514/515): the JVM records which
 * classes and methods a typical command uses while this runs, and the script's later starts load them from the cache.
 * It compresses a small token-embedding model built here (a {@code Gather} of 256×64 then a 64×64 {@code MatMul}) to
 * int4 and to int8, with the one-sample evaluation, as {@code modelpress compress} does, output discarded, in a
 * temporary folder that is deleted afterwards. Exits 0 when every command did, else 1; the script then uses no cache.
 */
final class StartupTraining {

    private static final int VOCABULARY = 256;
    private static final int WIDTH = 64;

    private StartupTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path folder = Files.createTempDirectory("modelpress-aot-training");
        int failures = 0;
        try {
            Path model = writeModel(folder.resolve("training.onnx"));
            for (List<String> method : List.of(List.of("-m", "int4", "--rounding", "rtn"), List.of("-m", "int8"))) {
                List<String> command = Stream.concat(Stream.of("compress", model.toString(), "-o",
                        folder.resolve("out-" + method.get(1) + ".onnx").toString(), "--samples", "1",
                        "--latency-runs", "0", "--no-sensitivity", "--no-report"), method.stream()).toList();
                PrintWriter discard = new PrintWriter(Writer.nullWriter());
                int exit = ModelPressCommand.commandLine().setOut(discard).setErr(discard)
                        .execute(command.toArray(String[]::new));
                failures += exit == 0 ? 0 : 1;
            }
        } finally {
            try (Stream<Path> files = Files.walk(folder)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    private static Path writeModel(Path file) throws IOException {
        Random random = new Random(7);
        GraphProto graph = GraphProto.newBuilder()
                .setName("aot_training")
                .addInput(info("input_ids", DataType.INT64, TensorShapeProto.Dimension.newBuilder().setDimParam("batch"),
                        TensorShapeProto.Dimension.newBuilder().setDimParam("sequence")))
                .addOutput(info("hidden", DataType.FLOAT, TensorShapeProto.Dimension.newBuilder().setDimParam("batch"),
                        TensorShapeProto.Dimension.newBuilder().setDimParam("sequence"),
                        TensorShapeProto.Dimension.newBuilder().setDimValue(WIDTH)))
                .addInitializer(gaussian("embedding", VOCABULARY, WIDTH, random))
                .addInitializer(gaussian("weight", WIDTH, WIDTH, random))
                .addNode(NodeProto.newBuilder().setName("embed").setOpType("Gather")
                        .addInput("embedding").addInput("input_ids").addOutput("embedded"))
                .addNode(NodeProto.newBuilder().setName("project").setOpType("MatMul")
                        .addInput("embedded").addInput("weight").addOutput("hidden"))
                .build();
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("modelpress-aot-training")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(graph).build();
        Files.write(file, model.toByteArray());
        return file;
    }

    private static TensorProto gaussian(String name, int rows, int columns, Random random) {
        ByteBuffer values = ByteBuffer.allocate(rows * columns * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * columns; i++) {
            values.putFloat((float) (random.nextGaussian() * 0.1));
        }
        return TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE).addDims(rows).addDims(columns)
                .setRawData(ByteString.copyFrom(values.array())).build();
    }

    private static ValueInfoProto info(String name, DataType type, TensorShapeProto.Dimension.Builder... dimensions) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dimension.Builder dimension : dimensions) {
            shape.addDim(dimension);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }
}
