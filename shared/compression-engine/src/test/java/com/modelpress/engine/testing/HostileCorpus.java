package com.modelpress.engine.testing;

import static com.modelpress.engine.testing.GraphBuilder.integer;
import static com.modelpress.engine.testing.GraphBuilder.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataLocation;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.modelpress.engine.ModelDefect;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Hostile and broken inputs, built in code, each with the outcome ModelPress promises for it: through
 * {@code modelpress compress} (the engine on a file) and through the REST API with a worker (an upload, perhaps
 * an archive). Every case writes into a folder of its own; nothing is committed as a binary.
 *
 * <p>The expected outcomes are the contract: engine refusals end with their {@link ModelDefect} code in square
 * brackets, and a job carries the category code ({@code invalid_model}, {@code unsupported_model},
 * {@code invalid_archive}) with that message. The API limits assumed are the defaults, except the upload limit,
 * which the test sets to {@link #UPLOAD_LIMIT_BYTES}.
 */
public final class HostileCorpus {

    /**
     * The {@code modelpress.api.max-upload-size} the API test runs with; {@code oversize-upload} exceeds it by a little,
     * so the server can read the rest of the request and answer on a healthy connection.
     */
    public static final long UPLOAD_LIMIT_BYTES = 1 << 20;
    /** The worker's default {@code max-archive-entries}. */
    static final int ARCHIVE_ENTRY_LIMIT = 1000;

    private static final int K = 64;
    private static final int N = 32;

    private HostileCorpus() {
    }

    /** What a case hands to each channel: a model file for the CLI, a file to upload for the API. */
    public record Input(Path cliModel, Path upload) {}

    /** What must happen. */
    public sealed interface Outcome {

        /** The engine refuses the model: CLI exit 3, one {@code error:} line ending {@code [code]}. */
        record Refused(ModelDefect defect) implements Outcome {}

        /** The API answers the upload with a problem+json of this status and {@code code}; no job is made. */
        record Problem(int status, String code) implements Outcome {}

        /** The job ends FAILED with this {@code error.code} and a message containing {@code fragment}. */
        record JobFailed(String errorCode, String fragment) implements Outcome {}

        /**
         * It works: CLI exit 0, job SUCCEEDED.
         *
         * @param nothingToCompress the report says so, and the output is a byte copy of the input
         */
        record Succeeds(boolean nothingToCompress) implements Outcome {}
    }

    /**
     * @param name        stable, kebab-case
     * @param description what is hostile or broken about it
     * @param cli         the outcome of {@code modelpress compress}
     * @param api         the outcome of a submit through the API
     */
    public record Case(String name, String description, Function<Path, Input> writer, Outcome cli, Outcome api) {

        /** Writes the case's files into {@code folder} (which must exist and be empty). */
        public Input write(Path folder) {
            return writer.apply(folder);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every case, in a stable order. */
    public static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // ---- not a model at all
        cases.add(new Case("empty-file", "a model file of zero bytes",
                dir -> single(write(dir.resolve("model.onnx"), new byte[0])),
                refused(ModelDefect.EMPTY_FILE), new Outcome.Problem(422, "invalid_model_file")));
        cases.add(refusedEverywhere("text-file", "a text file named .onnx", ModelDefect.NOT_ONNX,
                dir -> single(write(dir.resolve("model.onnx"),
                        "This is not a model, just some text a user saved with the wrong name.\n".repeat(20)
                                .getBytes(StandardCharsets.UTF_8)))));
        cases.add(refusedEverywhere("binary-garbage", "seeded random bytes after a zero tag", ModelDefect.NOT_ONNX,
                dir -> single(write(dir.resolve("model.onnx"), garbage(4096, 11)))));
        cases.add(refusedEverywhere("protobuf-without-graph", "a valid protobuf holding only an ir_version",
                ModelDefect.NOT_ONNX,
                dir -> single(OnnxFixtures.write(ModelProto.newBuilder().setIrVersion(8).build(), dir.resolve("model.onnx")))));
        cases.add(new Case("wrong-extension", "a valid model uploaded as model.txt",
                dir -> {
                    Path model = OnnxFixtures.write(good(), dir.resolve("model.onnx"));
                    return new Input(model, copy(model, dir.resolve("model.txt")));
                },
                new Outcome.Succeeds(false), new Outcome.Problem(422, "invalid_model_file")));
        cases.add(new Case("gzip-file", "a gzip-compressed model named .onnx",
                dir -> single(write(dir.resolve("model.onnx"), gzip(good().toByteArray()))),
                refused(ModelDefect.NOT_ONNX), new Outcome.JobFailed("invalid_archive", "tar")));
        // ---- broken protobuf
        cases.add(refusedEverywhere("truncated-half", "a valid model cut in half", ModelDefect.TRUNCATED,
                dir -> single(write(dir.resolve("model.onnx"), truncate(good().toByteArray(), 2)))));
        cases.add(refusedEverywhere("truncated-last-byte", "a valid model without its last byte", ModelDefect.TRUNCATED,
                dir -> single(write(dir.resolve("model.onnx"), Arrays.copyOf(good().toByteArray(), good().getSerializedSize() - 1)))));
        cases.add(refusedEverywhere("deeply-nested-subgraphs", "If nodes nested 60 deep (180 message levels)",
                ModelDefect.TOO_DEEP, dir -> single(OnnxFixtures.write(nestedIfs(60), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("deeply-nested-unknown-groups", "a valid model followed by 100 000 nested unknown groups",
                ModelDefect.TOO_DEEP, dir -> single(write(dir.resolve("model.onnx"), nestedGroups(good(), 100_000)))));
        cases.add(new Case("oversize-upload",
                "CLI: a sparse .onnx file of 2 GiB + 1 byte; API: an upload 4 KiB over the upload limit",
                dir -> {
                    Path upload = write(directory(dir.resolve("upload")).resolve("model.onnx"),
                            garbage(Math.toIntExact(UPLOAD_LIMIT_BYTES) + 4096, 13));
                    return new Input(sparse(dir.resolve("model.onnx"), (1L << 31) + 1), upload);
                },
                refused(ModelDefect.TOO_LARGE), new Outcome.Problem(413, "payload_too_large")));
        // ---- tensors that lie about their size or type
        cases.add(refusedEverywhere("huge-declared-tensor", "W declares [1048576, 1048576] float32 (4 TiB) in 64 bytes",
                ModelDefect.TENSOR_SIZE_MISMATCH, dir -> single(withW(dir, w -> w.clearDims().addDims(1 << 20).addDims(1 << 20)
                        .setRawData(ByteString.copyFrom(new byte[64]))))));
        cases.add(refusedEverywhere("huge-declared-tensor-no-data", "W declares [2^25, 2^25] float32 (4 PiB) and holds nothing",
                ModelDefect.TENSOR_SIZE_MISMATCH, dir -> single(withW(dir, w -> w.clearDims().addDims(1L << 25).addDims(1L << 25)
                        .clearRawData()))));
        cases.add(refusedEverywhere("dims-overflow", "W's dims multiply past 2^63", ModelDefect.INVALID_SHAPE,
                dir -> single(withW(dir, w -> w.clearDims().addDims(1L << 40).addDims(1L << 40)))));
        cases.add(refusedEverywhere("byte-count-overflow", "W's element count fits in 64 bits, its byte count does not",
                ModelDefect.INVALID_SHAPE, dir -> single(withW(dir, w -> w.clearDims().addDims(1L << 31).addDims(1L << 31)))));
        cases.add(refusedEverywhere("negative-dim", "W has dims [-1, 32]", ModelDefect.INVALID_SHAPE,
                dir -> single(withW(dir, w -> w.setDims(0, -1)))));
        cases.add(refusedEverywhere("raw-data-short", "W declares 8192 bytes and holds 8000", ModelDefect.TENSOR_SIZE_MISMATCH,
                dir -> single(withW(dir, w -> w.setRawData(w.getRawData().substring(0, 8000))))));
        cases.add(refusedEverywhere("typed-values-short", "W keeps 10 of its 2048 values in float_data",
                ModelDefect.TENSOR_SIZE_MISMATCH, dir -> single(withW(dir, w -> {
                    w.clearRawData();
                    for (int i = 0; i < 10; i++) {
                        w.addFloatData(i);
                    }
                    return w;
                }))));
        cases.add(refusedEverywhere("dtype-wrong-field", "W is float32 but keeps its values in int64_data",
                ModelDefect.INVALID_DTYPE, dir -> single(withW(dir, w -> {
                    w.clearRawData();
                    for (int i = 0; i < K * N; i++) {
                        w.addInt64Data(i);
                    }
                    return w;
                }))));
        cases.add(refusedEverywhere("dtype-undefined", "W has data type 0 (UNDEFINED)", ModelDefect.INVALID_DTYPE,
                dir -> single(withW(dir, w -> w.setDataType(0)))));
        cases.add(refusedEverywhere("dtype-unknown", "W has data type 99", ModelDefect.INVALID_DTYPE,
                dir -> single(withW(dir, w -> w.setDataType(99)))));
        cases.add(refusedEverywhere("dtype-disagrees-with-declaration", "W is float32, value_info declares it float16",
                ModelDefect.INVALID_DTYPE, dir -> single(OnnxFixtures.write(good().toBuilder().setGraph(good().getGraph().toBuilder()
                        .addValueInfo(GraphBuilder.valueInfo("W", DataType.FLOAT16, K, N))).build(), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("dtype-mismatch-at-node", "MatMul of a float32 input with an int32 weight",
                ModelDefect.RUNTIME_REJECTED, dir -> single(OnnxFixtures.write(intWeightMatMul(), dir.resolve("model.onnx")))));
        // ---- external data
        cases.add(refusedEverywhere("external-absolute-path", "W's external data is /etc/passwd", ModelDefect.EXTERNAL_DATA,
                dir -> folder(dir, external(dir, "/etc/passwd", 0, K * N * 4, false))));
        cases.add(refusedEverywhere("external-dot-dot", "W's external data is ../secret.bin", ModelDefect.EXTERNAL_DATA,
                dir -> folder(dir, external(dir, "../secret.bin", 0, K * N * 4, false))));
        cases.add(new Case("external-symlink", "W's external data is a symbolic link to a file outside the folder",
                dir -> {
                    Path model = external(dir, "link.bin", 0, K * N * 4, false);
                    try {
                        Path outside = Files.createDirectories(dir.getParent().resolve(dir.getFileName() + "-outside"));
                        Path secret = write(outside.resolve("secret.bin"), new byte[K * N * 4]);
                        Files.createSymbolicLink(dir.resolve("link.bin"), secret);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    Path zip = zip(dir.resolve("model.zip"), Map.of("model.onnx", read(model)),
                            Map.of("link.bin", "../../../../../etc/passwd"));
                    return new Input(model, zip);
                },
                refused(ModelDefect.EXTERNAL_DATA), new Outcome.JobFailed("invalid_archive", "symbolic links are not allowed")));
        cases.add(refusedEverywhere("external-missing-file", "W's external data file is not there", ModelDefect.EXTERNAL_DATA,
                dir -> folder(dir, external(dir, "absent.bin", 0, K * N * 4, false))));
        cases.add(refusedEverywhere("external-offset-beyond-file", "W's data starts 1 TiB into an 8 KiB file",
                ModelDefect.EXTERNAL_DATA, dir -> folder(dir, external(dir, "w.bin", 1L << 40, K * N * 4, true))));
        cases.add(refusedEverywhere("external-length-beyond-file", "W's data runs 1 byte past the end of its file",
                ModelDefect.EXTERNAL_DATA, dir -> folder(dir, external(dir, "w.bin", 1, K * N * 4, true))));
        cases.add(refusedEverywhere("external-offset-overflow", "offset + length of W's data overflow 64 bits",
                ModelDefect.EXTERNAL_DATA, dir -> folder(dir, external(dir, "w.bin", Long.MAX_VALUE - 8, K * N * 4, true))));
        // sparse tensors hold TensorProtos too: their external data gets the same confinement
        cases.add(refusedEverywhere("sparse-external-dot-dot", "a sparse initializer whose values are in ../secret.bin",
                ModelDefect.EXTERNAL_DATA, dir -> folder(dir, withSparseInitializer(dir,
                        externalTensor("S", DataType.FLOAT, "../secret.bin", 8), plainIndices("S_indices")))));
        cases.add(refusedEverywhere("sparse-external-absolute-path",
                "a sparse initializer whose indices are in /etc/passwd", ModelDefect.EXTERNAL_DATA,
                dir -> folder(dir, withSparseInitializer(dir, plainValues("S"),
                        externalTensor("S_indices", DataType.INT64, "/etc/passwd", 16)))));
        cases.add(refusedEverywhere("sparse-attribute-external-dot-dot",
                "a Constant node's sparse_value whose values are in ../../secret.bin", ModelDefect.EXTERNAL_DATA,
                dir -> folder(dir, OnnxFixtures.write(withExtraNode(NodeProto.newBuilder().setName("sparse-constant")
                        .setOpType("Constant").addOutput("C").addAttribute(AttributeProto.newBuilder()
                                .setName("sparse_value").setType(AttributeProto.AttributeType.SPARSE_TENSOR)
                                .setSparseTensor(sparse(externalTensor("C", DataType.FLOAT, "../../secret.bin", 8),
                                        plainIndices("C_indices"))))
                        .build()), dir.resolve("model.onnx")))));
        // ---- archives
        cases.add(archive("zip-traversal", "a zip whose entry is ../../evil.onnx",
                dir -> zip(dir.resolve("model.zip"), Map.of("../../evil.onnx", good().toByteArray()), Map.of()),
                "'..' is not allowed"));
        cases.add(archive("zip-absolute-name", "a zip whose entry is /tmp/evil.onnx",
                dir -> zip(dir.resolve("model.zip"), Map.of("/tmp/evil.onnx", good().toByteArray()), Map.of()),
                "absolute paths are not allowed"));
        cases.add(archive("tar-traversal", "a tar whose entry is ../../../evil.onnx",
                dir -> tar(dir.resolve("model.tar"), "../../../evil.onnx", good().toByteArray()), "'..' is not allowed"));
        cases.add(archive("tar-symlink", "a tar holding a symbolic link to /etc/passwd",
                dir -> tarSymlink(dir.resolve("model.tar"), "model.onnx.data", "/etc/passwd"), "links are not allowed"));
        cases.add(archive("zip-too-many-entries", "a zip of a model and 1000 empty files",
                dir -> zip(dir.resolve("model.zip"), manyEntries(ARCHIVE_ENTRY_LIMIT), Map.of()), "entries"));
        cases.add(archive("zip-bomb", "a zip whose 20 MB of zeros compress over 100-fold",
                dir -> zip(dir.resolve("model.zip"), Map.of("model.onnx", good().toByteArray(),
                        "model.onnx.data", new byte[20 << 20]), Map.of()), "expands more than 100-fold"));
        cases.add(archive("nested-archive", "a zip holding a zip holding the model",
                dir -> {
                    Path inner = zip(dir.resolve("inner.zip"), Map.of("model.onnx", good().toByteArray()), Map.of());
                    return zip(dir.resolve("model.zip"), Map.of("inner.zip", read(inner)), Map.of());
                }, "nested archives are not extracted"));
        cases.add(archive("zip-two-models", "a zip holding two .onnx files",
                dir -> zip(dir.resolve("model.zip"), Map.of("a.onnx", good().toByteArray(), "b.onnx", good().toByteArray()),
                        Map.of()), "expected exactly one"));
        // ---- graphs ONNX Runtime must never see
        cases.add(refusedEverywhere("empty-graph", "a graph without nodes whose output is its input", ModelDefect.EMPTY_GRAPH,
                dir -> single(OnnxFixtures.write(emptyGraph(), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("no-outputs", "a graph whose outputs were removed", ModelDefect.EMPTY_GRAPH,
                dir -> single(OnnxFixtures.write(good().toBuilder().setGraph(good().getGraph().toBuilder().clearOutput()).build(),
                        dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("duplicate-value-name", "two nodes both produce Y", ModelDefect.DUPLICATE_NAME,
                dir -> single(OnnxFixtures.write(withExtraNode(NodeProto.newBuilder().setOpType("Relu").addInput("X")
                        .addOutput("Y").build()), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("duplicate-initializer", "two initializers named W", ModelDefect.DUPLICATE_NAME,
                dir -> single(OnnxFixtures.write(good().toBuilder().setGraph(good().getGraph().toBuilder()
                        .addInitializer(good().getGraph().getInitializer(0))).build(), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("cycle", "A = Add(X, B), B = Relu(A)", ModelDefect.CYCLE,
                dir -> single(OnnxFixtures.write(cycle(), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("undefined-input", "a node reads a value nothing defines", ModelDefect.UNDEFINED_VALUE,
                dir -> single(OnnxFixtures.write(withExtraNode(NodeProto.newBuilder().setOpType("Add").addInput("Y")
                        .addInput("ghost").addOutput("Z").build()), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("no-ir-version", "the model declares no ir_version", ModelDefect.INVALID_HEADER,
                dir -> single(OnnxFixtures.write(good().toBuilder().clearIrVersion().build(), dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("undeclared-domain", "a node of domain com.evil without an opset_import for it",
                ModelDefect.INVALID_HEADER, dir -> single(OnnxFixtures.write(withExtraNode(NodeProto.newBuilder()
                        .setOpType("Foo").setDomain("com.evil").addInput("Y").addOutput("Z").build()), dir.resolve("model.onnx")))));
        // ---- valid ONNX that ONNX Runtime cannot run
        cases.add(refusedEverywhere("unknown-op", "a node of the unknown default-domain op FrobnicateTensor",
                ModelDefect.UNSUPPORTED_OPERATOR, dir -> single(OnnxFixtures.write(withOutputNode("FrobnicateTensor", ""),
                        dir.resolve("model.onnx")))));
        cases.add(refusedEverywhere("unknown-domain", "a node Foo of the declared but unknown domain com.evil",
                ModelDefect.UNSUPPORTED_OPERATOR, dir -> single(OnnxFixtures.write(withOutputNode("Foo", "com.evil"),
                        dir.resolve("model.onnx")))));
        // ---- not an error
        cases.add(new Case("already-quantized", "int8 weights behind DequantizeLinear: nothing left to compress",
                dir -> single(OnnxFixtures.write(alreadyQuantized(), dir.resolve("model.onnx"))),
                new Outcome.Succeeds(true), new Outcome.Succeeds(true)));
        return List.copyOf(cases);
    }

    /** A model every channel compresses: MatMul with a 64×32 float32 weight and a bias. */
    public static ModelProto good() {
        return OnnxFixtures.matMul(K, N, 5);
    }

    // ---------------------------------------------------------------- outcomes

    private static Outcome refused(ModelDefect defect) {
        return new Outcome.Refused(defect);
    }

    /** The engine refuses it: CLI exit 3, and the job fails with the defect's category and code. */
    private static Case refusedEverywhere(String name, String description, ModelDefect defect, Function<Path, Input> writer) {
        String category = defect == ModelDefect.UNSUPPORTED_OPERATOR || defect == ModelDefect.RUNTIME_REJECTED
                ? "unsupported_model" : "invalid_model";
        return new Case(name, description, writer, refused(defect),
                new Outcome.JobFailed(category, "[" + defect.code() + "]"));
    }

    /** An archive: the CLI is handed the archive itself (not a model), the worker refuses to extract it. */
    private static Case archive(String name, String description, Function<Path, Path> writer, String fragment) {
        return new Case(name, description, dir -> single(writer.apply(dir)), refused(ModelDefect.NOT_ONNX),
                new Outcome.JobFailed("invalid_archive", fragment));
    }

    // ---------------------------------------------------------------- inputs

    private static Input single(Path file) {
        return new Input(file, file);
    }

    /** The CLI gets the model in its folder; the API gets a zip of the folder (the model and its data files). */
    private static Input folder(Path dir, Path model) {
        try (Stream<Path> files = Files.list(dir)) {
            Map<String, byte[]> entries = new java.util.TreeMap<>();
            for (Path file : files.toList()) {
                entries.put(file.getFileName().toString(), read(file));
            }
            return new Input(model, zip(dir.getParent().resolve(dir.getFileName() + "-upload.zip"), entries, Map.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- models

    /** The good model with W rewritten by {@code change}. */
    private static Path withW(Path dir, Function<TensorProto.Builder, TensorProto.Builder> change) {
        ModelProto model = good();
        GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals("W")) {
                graph.setInitializer(i, change.apply(graph.getInitializer(i).toBuilder()));
            }
        }
        return OnnxFixtures.write(model.toBuilder().setGraph(graph).build(), dir.resolve("model.onnx"));
    }

    /** The good model with W in {@code location} at {@code offset}; writes W's bytes to {@code dir/w.bin} if asked. */
    private static Path external(Path dir, String location, long offset, long length, boolean writeData) {
        if (writeData) {
            write(dir.resolve("w.bin"), new byte[K * N * 4]);
        }
        return withW(dir, w -> w.clearRawData().setDataLocation(DataLocation.EXTERNAL)
                .addExternalData(entry("location", location))
                .addExternalData(entry("offset", Long.toString(offset)))
                .addExternalData(entry("length", Long.toString(length))));
    }

    /** The good model with an unused sparse initializer of dense shape [K, N] holding two values. */
    private static Path withSparseInitializer(Path dir, TensorProto values, TensorProto indices) {
        ModelProto model = good().toBuilder().setGraph(good().getGraph().toBuilder()
                .addSparseInitializer(sparse(values, indices))).build();
        return OnnxFixtures.write(model, dir.resolve("model.onnx"));
    }

    private static ai.onnx.proto.OnnxMl.SparseTensorProto sparse(TensorProto values, TensorProto indices) {
        return ai.onnx.proto.OnnxMl.SparseTensorProto.newBuilder().setValues(values).setIndices(indices)
                .addDims(K).addDims(N).build();
    }

    /** Two elements of {@code type} whose {@code bytes} are in the external file {@code location}. */
    private static TensorProto externalTensor(String name, DataType type, String location, long bytes) {
        return TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).addDims(2)
                .setDataLocation(DataLocation.EXTERNAL)
                .addExternalData(entry("location", location))
                .addExternalData(entry("offset", "0"))
                .addExternalData(entry("length", Long.toString(bytes)))
                .build();
    }

    private static TensorProto plainValues(String name) {
        return TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE).addDims(2)
                .addFloatData(1).addFloatData(2).build();
    }

    private static TensorProto plainIndices(String name) {
        return TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE).addDims(2)
                .addInt64Data(3).addInt64Data(40).build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static ModelProto withExtraNode(NodeProto node) {
        return good().toBuilder().setGraph(good().getGraph().toBuilder().addNode(node)).build();
    }

    /** The good model with a node {@code domain::opType(Y) -> Z} whose Z becomes the output; declares the domain. */
    private static ModelProto withOutputNode(String opType, String domain) {
        GraphProto.Builder graph = good().getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setName("hostile").setOpType(opType).setDomain(domain).addInput("Y").addOutput("Z"))
                .clearOutput().addOutput(GraphBuilder.valueInfo("Z", DataType.FLOAT, "batch", N));
        ModelProto.Builder model = good().toBuilder().setGraph(graph);
        if (!domain.isEmpty()) {
            model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
        }
        return model.build();
    }

    private static ModelProto intWeightMatMul() {
        GraphBuilder g = new GraphBuilder("int-weight", new Random(3));
        String x = g.input("X", DataType.FLOAT, "batch", K);
        TensorProto.Builder w = TensorProto.newBuilder().setName("W").setDataType(DataType.INT32_VALUE).addDims(K).addDims(N);
        for (int i = 0; i < K * N; i++) {
            w.addInt32Data(i % 7);
        }
        g.addInitializer(w.build());
        g.opTo("Y", "MatMul", List.of(), x, "W");
        g.output("Y", DataType.FLOAT, "batch", N);
        return model(g.build());
    }

    private static ModelProto emptyGraph() {
        GraphBuilder g = new GraphBuilder("empty", new Random(1));
        g.input("X", DataType.FLOAT, "batch", K);
        g.output("X", DataType.FLOAT, "batch", K);
        return model(g.build());
    }

    private static ModelProto cycle() {
        GraphBuilder g = new GraphBuilder("cycle", new Random(1));
        String x = g.input("X", DataType.FLOAT, "batch", K);
        g.opTo("A", "Add", List.of(), x, "B");
        g.opTo("B", "Relu", List.of(), "A");
        g.output("B", DataType.FLOAT, "batch", K);
        return model(g.build());
    }

    /** {@code Y = X · dequantize(Wq, scale)}: int8 weights, per-column scale, nothing left for a float pass. */
    private static ModelProto alreadyQuantized() {
        GraphBuilder g = new GraphBuilder("quantized", new Random(9));
        String x = g.input("X", DataType.FLOAT, "batch", K);
        byte[] codes = new byte[K * N];
        new Random(9).nextBytes(codes);
        g.addInitializer(TensorProto.newBuilder().setName("Wq").setDataType(DataType.INT8_VALUE).addDims(K).addDims(N)
                .setRawData(ByteString.copyFrom(codes)).build());
        float[] scales = new float[N];
        Arrays.fill(scales, 0.01f);
        g.floats("scale", new long[]{N}, scales);
        String w = g.op("DequantizeLinear", List.of(integer("axis", 1)), "Wq", "scale");
        g.opTo("Y", "MatMul", List.of(), x, w);
        g.output("Y", DataType.FLOAT, "batch", N);
        return model(g.build());
    }

    /** {@code depth} If nodes, each holding the next in its then-branch. */
    private static ModelProto nestedIfs(int depth) {
        GraphProto leaf = GraphProto.newBuilder().setName("leaf")
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("X").addOutput("out"))
                .addOutput(GraphBuilder.valueInfo("out", DataType.FLOAT, "batch", K)).build();
        GraphProto inner = leaf;
        for (int level = 0; level < depth; level++) {
            inner = GraphProto.newBuilder().setName("level" + level)
                    .addNode(NodeProto.newBuilder().setOpType("If").addInput("cond").addOutput("out")
                            .addAttribute(AttributeProto.newBuilder().setName("then_branch")
                                    .setType(AttributeProto.AttributeType.GRAPH).setG(inner))
                            .addAttribute(AttributeProto.newBuilder().setName("else_branch")
                                    .setType(AttributeProto.AttributeType.GRAPH).setG(leaf)))
                    .addOutput(GraphBuilder.valueInfo("out", DataType.FLOAT, "batch", K)).build();
        }
        GraphProto.Builder main = inner.toBuilder().setName("main")
                .addInput(GraphBuilder.valueInfo("X", DataType.FLOAT, "batch", K))
                .addInput(GraphBuilder.valueInfo("cond", DataType.BOOL));
        return model(main.build());
    }

    /** The model's bytes, then field 100 opened as a group {@code depth} times and closed as often. */
    private static byte[] nestedGroups(ModelProto model, int depth) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            model.writeTo(bytes);
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (int i = 0; i < depth; i++) {
                out.writeTag(100, 3); // start group
            }
            for (int i = 0; i < depth; i++) {
                out.writeTag(100, 4); // end group
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    // ---------------------------------------------------------------- files

    private static byte[] garbage(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        bytes[0] = 0; // tag 0 is never valid: the parser must refuse it at once
        return bytes;
    }

    private static byte[] truncate(byte[] bytes, int divisor) {
        return Arrays.copyOf(bytes, bytes.length / divisor);
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Map<String, byte[]> manyEntries(int fillers) {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        entries.put("model.onnx", good().toByteArray());
        for (int i = 0; i < fillers; i++) {
            entries.put("filler/%04d.txt".formatted(i), new byte[0]);
        }
        return entries;
    }

    /** A zip of {@code files} (name → bytes, names written as given) and {@code links} (name → target). */
    private static Path zip(Path file, Map<String, byte[]> files, Map<String, String> links) {
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file.toFile())) {
            for (Map.Entry<String, byte[]> entry : files.entrySet()) {
                zip.putArchiveEntry(new ZipArchiveEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeArchiveEntry();
            }
            for (Map.Entry<String, String> link : links.entrySet()) {
                ZipArchiveEntry entry = new ZipArchiveEntry(link.getKey());
                entry.setUnixMode(0120777);
                zip.putArchiveEntry(entry);
                zip.write(link.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static Path tar(Path file, String name, byte[] content) {
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry entry = new TarArchiveEntry(name, true);
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static Path tarSymlink(Path file, String name, String target) {
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            byte[] model = good().toByteArray();
            TarArchiveEntry modelEntry = new TarArchiveEntry("model.onnx");
            modelEntry.setSize(model.length);
            tar.putArchiveEntry(modelEntry);
            tar.write(model);
            tar.closeArchiveEntry();
            TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            link.setLinkName(target);
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A file of {@code size} bytes that takes no disk space (a hole). */
    private static Path sparse(Path file, long size) {
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path directory(Path folder) {
        try {
            return Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copy(Path from, Path to) {
        try {
            return Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
