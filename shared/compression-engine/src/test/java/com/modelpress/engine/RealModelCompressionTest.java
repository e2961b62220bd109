package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every method on a real model: all-MiniLM-L6-v2 (fp32, 90 MB) from Maven Central. Fidelity comes from the
 * engine's own evaluation on synthesised token ids (uniform over the vocabulary — harsher than real text;
 * the sentence-level targets are checked in the bench module's tests).
 */
class RealModelCompressionTest {

    @TempDir
    static Path dir;

    static Path miniLm;

    @BeforeAll
    static void extractModel() throws IOException {
        miniLm = dir.resolve("all-minilm-l6-v2.onnx");
        try (InputStream in = RealModelCompressionTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            assertThat(in).as("all-minilm-l6-v2.onnx on the test classpath").isNotNull();
            Files.copy(in, miniLm);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // method, max size ratio, min cosine mean, min cosine min
            "fp16,         0.51, 0.99999, 0.9999",
            "int8,         0.27, 0.998,   0.99",
            "int8-dynamic, 0.27, 0.98,    0.95",
            "int4,         0.17, 0.96,    0.85"})
    void compressesMiniLm(String id, double maxRatio, double minCosineMean, double minCosineMin) throws IOException {
        Path output = dir.resolve("minilm-" + id + ".onnx");
        FidelityReport report = new ModelCompressor(new EvaluationSettings(4, 7, null, 0, Map.of()))
                .compress(miniLm, output, CompressionMethod.of(id, CompressionOptions.defaults()), ProgressListener.NONE);

        assertThat(report.sizes().ratio()).isLessThanOrEqualTo(maxRatio);
        assertThat(report.outputs()).isNotEmpty();
        OutputFidelity hidden = report.outputs().getFirst();
        assertThat(hidden.cosineMean()).isGreaterThanOrEqualTo(minCosineMean);
        assertThat(hidden.cosineMin()).isGreaterThanOrEqualTo(minCosineMin);
        assertThat(report.tensors()).filteredOn(t -> t.name().equals("embeddings.word_embeddings.weight"))
                .singleElement().satisfies(t -> assertThat(t.method()).isNotEqualTo("kept"));
        assertThat(report.inputSha256()).hasSize(64);
        assertThat(report.versions().onnxRuntime()).isNotBlank();
        assertThat(report.bitsPerWeight()).isLessThan(32 * maxRatio + 0.5);
        assertThat(OnnxModel.read(output).proto().getGraph().getInputList())
                .isEqualTo(OnnxModel.read(miniLm).proto().getGraph().getInputList());
    }

    @Test
    void alreadyQuantizedModelIsReportedAndNeverGrows() throws IOException {
        Path quantized = dir.resolve("all-minilm-l6-v2-q.onnx");
        try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2-q.onnx")) {
            assertThat(in).isNotNull();
            Files.copy(in, quantized);
        }
        Path output = dir.resolve("q-again.onnx");
        FidelityReport report = new ModelCompressor(new EvaluationSettings(2, 7, null, 0, Map.of()))
                .compress(quantized, output, CompressionMethod.of("int4", CompressionOptions.defaults()), ProgressListener.NONE);

        assertThat(report.nothingToCompress()).isTrue();
        assertThat(report.notes()).anySatisfy(note -> assertThat(note).contains("no tensor qualified"));
        assertThat(Files.mismatch(quantized, output)).isEqualTo(-1);
        assertThat(report.tensors()).anySatisfy(t -> assertThat(t.reason()).contains("stored as int8"));
        assertThat(report.outputs().getFirst().cosineMin()).isEqualTo(1.0);
    }
}
