package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.DecoderFixtures;
import com.modelpress.engine.testing.DecoderFixtures.Head;
import com.modelpress.engine.testing.DecoderFixtures.Weights;
import ai.onnx.proto.OnnxMl.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every compression method promises, checked with ONNX Runtime as the referee on tiny models built in
 * code: the result loads and runs, keeps the graph's signature, stays within the method's tolerance, is
 * smaller, and compresses weights wherever they live (initializers, Constant nodes, If branches, external
 * data).
 */
abstract class CompressionMethodContract {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    abstract CompressionMethod method();

    /**
     * Lowest acceptable mean cosine between original and compressed output vectors; the worst single vector
     * may fall five times further from 1 (short vectors, e.g. a Conv output's last axis, are noisy).
     */
    abstract double minCosine();

    /** Bits the method stores a MatMul weight in. */
    abstract int matMulBits();

    /**
     * Largest acceptable KL divergence of a small decoder's next-token distributions, and lowest mean cosine of its
     * logits (see {@link DecoderFixtures}: random weights with outliers, which 4 bits hurt far more than a trained
     * model's). Set at about 1.5 times the worst of the nine decoders as measured.
     */
    abstract double maxDecoderKl();

    abstract double minDecoderCosine();

    /** False for methods that compute in float32 around their kernels even in float16 graphs (int8-dynamic). */
    boolean keepsFloat16Everywhere() {
        return true;
    }

    FidelityReport compress(ModelProto model, String name) throws IOException {
        Path input = OnnxFixtures.write(model, dir.resolve(name + ".onnx"));
        return compress(input, name);
    }

    FidelityReport compress(Path input, String name) throws IOException {
        return new ModelCompressor(EVALUATION).compress(input, dir.resolve(name + "-" + method().id() + ".onnx"), method(),
                ProgressListener.NONE);
    }

    Path output(String name) {
        return dir.resolve(name + "-" + method().id() + ".onnx");
    }

    @Test
    void matMulLoadsKeepsSignatureAndStaysClose() throws IOException {
        FidelityReport report = compress(OnnxFixtures.matMul(128, 64, 1), "matmul");
        assertCloseAndSmaller(report);
        assertCompressed(report, "W", matMulBits());
        assertSameSignature("matmul");
    }

    @Test
    void gemmWithTransposedWeight() throws IOException {
        FidelityReport report = compress(OnnxFixtures.gemm(96, 64, true, 2), "gemm");
        assertCloseAndSmaller(report);
        assertCompressed(report, "W", matMulBits());
        assertSameSignature("gemm");
    }

    @Test
    void gemmWithPlainWeight() throws IOException {
        FidelityReport report = compress(OnnxFixtures.gemm(64, 96, false, 3), "gemm-plain");
        assertCloseAndSmaller(report);
        assertSameSignature("gemm-plain");
    }

    @Test
    void convolution() throws IOException {
        FidelityReport report = compress(OnnxFixtures.conv2d(16, 32, 3, 4), "conv");
        assertCloseAndSmaller(report);
        assertThat(report.tensors()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("W");
            assertThat(t.method()).isNotEqualTo("kept");
        });
        assertSameSignature("conv");
    }

    @Test
    void embeddingTableIsCompressedAndStillGathers() throws IOException {
        FidelityReport report = compress(OnnxFixtures.gatherEmbedding(1000, 64, 5), "embedding");
        assertCloseAndSmaller(report);
        assertThat(report.tensors()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("embeddings");
            assertThat(t.method()).isNotEqualTo("kept");
            assertThat(t.compressedBytes()).isLessThan(t.originalBytes());
        });
        assertSameSignature("embedding");
    }

    @Test
    void weightsInConstantNodes() throws IOException {
        FidelityReport report = compress(OnnxFixtures.withConstantNode(128, 64, 6), "constant");
        assertCloseAndSmaller(report);
        assertCompressed(report, "W", matMulBits());
        assertSameSignature("constant");
    }

    @Test
    void weightsInsideIfBranches() throws IOException {
        FidelityReport report = compress(OnnxFixtures.withIfBranch(128, 64, 7), "if");
        assertThat(report.outputs()).isNotEmpty();
        assertThat(report.outputs()).allSatisfy(o -> assertThat(o.cosineMean()).isGreaterThanOrEqualTo(minCosine()));
        assertThat(report.tensors()).filteredOn(t -> !t.method().equals("kept")).extracting(TensorReport::name)
                .contains("W1", "W2");
        assertSameSignature("if");
    }

    @Test
    void externalDataStaysExternalAndConfined() throws IOException {
        Path model = OnnxFixtures.withExternalData(Files.createDirectories(dir.resolve("ext")), 256, 128, 8);
        FidelityReport report = compress(model, "external");
        assertCloseAndSmaller(report);
        OnnxModel written = OnnxModel.read(output("external"));
        assertThat(written.externalFiles()).containsExactly(dir.resolve("external-" + method().id() + ".onnx.data").toRealPath());
    }

    @Test
    void excludedTensorsAreKept() throws IOException {
        ModelProto model = OnnxFixtures.matMul(128, 64, 9);
        Path input = OnnxFixtures.write(model, dir.resolve("exclude.onnx"));
        CompressionMethod excluding = CompressionMethod.of(method().id(),
                new CompressionOptions(null, null, List.of("W"), null));
        FidelityReport report = new ModelCompressor(EVALUATION).compress(input, output("exclude"), excluding,
                ProgressListener.NONE);
        assertThat(report.tensors()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("W");
            assertThat(t.method()).isEqualTo("kept");
            assertThat(t.reason()).contains("excluded");
        });
        assertThat(report.nothingToCompress()).isTrue();
        assertThat(Files.readAllBytes(output("exclude"))).isEqualTo(Files.readAllBytes(input));
    }

    @Test
    void everythingNotCompressedStaysBitIdentical() throws IOException {
        ModelProto model = OnnxFixtures.matMul(128, 64, 11).toBuilder()
                .setDocString("model doc").setProducerName("fixture-producer").setModelVersion(42)
                .addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("license").setValue("MIT"))
                .build();
        // with the graph's names kept (by default computed values get short names: GraphNamesTest)
        Path input = OnnxFixtures.write(model, dir.resolve("untouched.onnx"));
        new ModelCompressor(EVALUATION).compress(input, output("untouched"),
                CompressionMethod.of(method().id(), method().options().withKeepNames(true)), ProgressListener.NONE);
        ModelProto original = OnnxModel.read(dir.resolve("untouched.onnx")).proto();
        ModelProto compressed = OnnxModel.read(output("untouched")).proto();

        assertThat(compressed.getDocString()).isEqualTo("model doc");
        assertThat(compressed.getModelVersion()).isEqualTo(42);
        assertThat(compressed.getMetadataPropsList()).isEqualTo(original.getMetadataPropsList());
        // the bias is below the size threshold: same tensor, same bytes
        assertThat(compressed.getGraph().getInitializerList()).contains(
                original.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("B")).findFirst().orElseThrow());
        // nodes that did not read a compressed weight are carried over unchanged
        List<ai.onnx.proto.OnnxMl.NodeProto> untouchedNodes = original.getGraph().getNodeList().stream()
                .filter(node -> !node.getInputList().contains("W")).toList();
        assertThat(untouchedNodes).isNotEmpty();
        assertThat(compressed.getGraph().getNodeList()).containsAll(untouchedNodes);
        assertThat(compressed.getOpsetImportList()).containsAll(original.getOpsetImportList());
    }

    @Test
    void graphNamesAreShortenedByDefaultAndTheSignatureStays() throws IOException {
        ModelProto model = OnnxFixtures.bertLikeEncoder(64, 64, 1, 5);
        FidelityReport report = compress(model, "names");
        ModelProto compressed = OnnxModel.read(output("names")).proto();

        assertThat(report.notes()).anyMatch(note -> note.startsWith("graph names shortened"));
        assertThat(compressed.getGraph().getNodeList()).allSatisfy(node -> assertThat(node.getName()).isEmpty());
        assertThat(compressed.getGraph().getInputList()).isEqualTo(model.getGraph().getInputList());
        assertThat(compressed.getGraph().getOutputList()).extracting(ai.onnx.proto.OnnxMl.ValueInfoProto::getName)
                .isEqualTo(model.getGraph().getOutputList().stream()
                        .map(ai.onnx.proto.OnnxMl.ValueInfoProto::getName).toList());
        // the report's fidelity was measured by ONNX Runtime on the renamed graph
        assertThat(report.outputs()).allSatisfy(o -> assertThat(o.cosineMean()).isGreaterThan(minCosine()));
    }

    @Test
    void sameSeedGivesTheSameReport() throws IOException {
        FidelityReport first = compress(OnnxFixtures.matMul(64, 32, 10), "again");
        FidelityReport second = compress(OnnxFixtures.matMul(64, 32, 10), "again");
        assertThat(second.outputs()).isEqualTo(first.outputs());
        assertThat(second.outputSha256()).isEqualTo(first.outputSha256());
    }

    @ParameterizedTest(name = "{0} weights, {1} head")
    @MethodSource("decoders")
    void decoderLoadsKeepsSignatureAndDtypesAndStaysClose(Weights weights, Head head) throws IOException {
        String name = "decoder-" + weights + "-" + head;
        ModelProto model = DecoderFixtures.decoder(DecoderFixtures.SMALL, weights, head, 21);
        FidelityReport report = compress(model, name);
        assertSameSignature(name);
        assertThat(report.outputs()).singleElement().satisfies(logits -> {
            assertThat(logits.name()).isEqualTo("logits");
            assertThat(logits.klDivergence()).as("KL of %s", name).isNotNull().isLessThanOrEqualTo(maxDecoderKl());
            assertThat(logits.cosineMean()).as("cosine of %s", name).isGreaterThanOrEqualTo(minDecoderCosine());
        });
        if (report.nothingToCompress()) {
            // only fp16 on 16-bit weights: nothing to gain, so the output is the input
            assertThat(method().id()).isEqualTo("fp16");
            assertThat(weights).isNotEqualTo(Weights.FLOAT32);
            assertThat(Files.readAllBytes(output(name))).isEqualTo(Files.readAllBytes(dir.resolve(name + ".onnx")));
            return;
        }
        assertThat(report.sizes().compressedBytes()).isLessThan(report.sizes().originalBytes());
        GraphProto compressed = OnnxModel.read(output(name)).proto().getGraph();
        if (weights == Weights.FLOAT16 && keepsFloat16Everywhere()) {
            // a float16 graph stays float16: no float32 initializer, no cast to float32
            assertThat(compressed.getInitializerList()).as("initializers of %s", name)
                    .noneMatch(t -> t.getDataType() == TensorProto.DataType.FLOAT_VALUE);
            assertThat(compressed.getNodeList()).as("casts of %s", name).noneMatch(n -> n.getOpType().equals("Cast")
                    && n.getAttributeList().stream().anyMatch(a -> a.getName().equals("to") && a.getI() == TensorProto.DataType.FLOAT_VALUE));
        }
        // every weight matrix of the decoder was compressed, the embedding table and the head included
        long projections = model.getGraph().getInitializerList().stream().filter(t -> t.getDimsCount() == 2).count();
        assertThat(report.tensors()).filteredOn(t -> !t.method().equals("kept")).hasSize((int) projections);
        long tableBytes = (long) DecoderFixtures.SMALL.vocab() * DecoderFixtures.SMALL.hidden() * matMulBits() / 8;
        List<TensorProto> tables = compressed.getInitializerList().stream()
                .filter(t -> com.modelpress.engine.graph.TensorCodec.dataBytes(t) >= tableBytes).toList();
        if (head == Head.TIED) {
            // one stored table serves the lookup and the head
            assertThat(tables).as("tables of %s", name).hasSize(1);
            assertThat(compressed.getNodeList()).noneMatch(n -> n.getOpType().equals("Transpose")
                    && n.getInputList().stream().anyMatch(i -> i.startsWith(DecoderFixtures.EMBEDDING)) && matMulBits() < 16);
        } else {
            assertThat(tables).as("tables of %s", name).hasSize(2);
        }
    }

    static Stream<Arguments> decoders() {
        return Stream.of(Weights.values()).flatMap(w -> Stream.of(Head.values()).map(h -> Arguments.of(w, h)));
    }

    void assertCloseAndSmaller(FidelityReport report) {
        assertThat(report.outputs()).isNotEmpty();
        for (OutputFidelity output : report.outputs()) {
            assertThat(output.cosineMean()).as("cosine mean of %s", output.name()).isGreaterThanOrEqualTo(minCosine());
            assertThat(output.cosineMin()).as("cosine min of %s", output.name()).isGreaterThanOrEqualTo(1 - 5 * (1 - minCosine()));
            assertThat(output.vectors()).isPositive();
        }
        assertThat(report.nothingToCompress()).isFalse();
        assertThat(report.sizes().compressedBytes()).isLessThan(report.sizes().originalBytes());
        assertThat(report.method()).isEqualTo(method().id());
    }

    static void assertCompressed(FidelityReport report, String tensor, int bits) {
        assertThat(report.tensors()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo(tensor);
            assertThat(t.bits()).isEqualTo(bits);
            assertThat(t.sqnrDb()).isNotNull();
        });
    }

    /** Graph inputs, outputs, metadata and IR version are exactly the original's. */
    void assertSameSignature(String name) throws IOException {
        ModelProto original = OnnxModel.read(dir.resolve(name + ".onnx")).proto();
        ModelProto compressed = OnnxModel.read(output(name)).proto();
        GraphProto a = original.getGraph();
        GraphProto b = compressed.getGraph();
        assertThat(b.getInputList()).isEqualTo(a.getInputList());
        assertThat(b.getOutputList()).isEqualTo(a.getOutputList());
        assertThat(compressed.getMetadataPropsList()).isEqualTo(original.getMetadataPropsList());
        assertThat(compressed.getIrVersion()).isEqualTo(original.getIrVersion());
        assertThat(compressed.getProducerName()).isEqualTo(original.getProducerName());
        assertThat(b.getDocString()).isEqualTo(a.getDocString());
    }
}
