package com.modelpress.bench;

import com.modelpress.tokenizer.TextTokenizer;
import com.modelpress.tokenizer.TokenizedSamples;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's size and fidelity targets for all-MiniLM-L6-v2, on real sentences tokenized with the
 * model's own tokenizer and mean-pooled, against the fp32 model; int4 is calibrated on sentences that are
 * never scored. Latency targets live in the bench, not here.
 */
class MiniLmTargetsTest {

    @TempDir
    static Path dir;

    static Path fp32;
    static Path calibration;
    static List<String> sentences;
    static float[][] reference;

    /** The first 160 sentences calibrate int4; every method is scored on the other 162 only. */
    @BeforeAll
    static void embedWithFp32() throws IOException, OrtException {
        fp32 = BenchModel.MINILM.extractFp32(dir);
        List<String> all = Sentences.all();
        calibration = TokenizedSamples.write(BenchModel.MINILM.tokenizer(TextTokenizer.DEFAULT_MAX_LINE_LENGTH),
                all.subList(0, 160), dir.resolve("calibration"));
        sentences = all.subList(160, all.size());
        reference = embed(fp32);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // method, max size vs fp32, min pooled cosine mean, min top-1 neighbour agreement
            "fp16,         0.51, 0.9999, 0.99",
            "int8,         0.27, 0.999,  0.98",
            "int8-dynamic, 0.27, 0.991,  0.97",
            "int4,         0.17, 0.985,  0.97"})
    void meetsTheTargetOnRealSentences(String id, double maxRatio, double minCosineMean, double minTop1)
            throws IOException, OrtException {
        Path output = dir.resolve("minilm-" + id + ".onnx");
        FidelityReport report = new ModelCompressor(new EvaluationSettings(2, 7, null, 0, Map.of()),
                new CalibrationSettings(0, 0, calibration))
                .compress(fp32, output, CompressionMethod.of(id, CompressionOptions.defaults()), ProgressListener.NONE);
        EmbeddingAgreement agreement = EmbeddingAgreement.between(reference, embed(output));

        assertThat(report.sizes().ratio()).isLessThanOrEqualTo(maxRatio);
        assertThat(agreement.sentences()).isEqualTo(162);
        assertThat(agreement.cosineMean()).isGreaterThanOrEqualTo(minCosineMean);
        assertThat(agreement.top1Agreement()).isGreaterThanOrEqualTo(minTop1);
        if (id.equals("fp16")) {
            assertThat(agreement.cosineMin()).isGreaterThanOrEqualTo(0.9999);
        }
    }

    private static float[][] embed(Path model) throws IOException, OrtException {
        try (SentenceEmbedder embedder = new SentenceEmbedder(OrtEnvironment.getEnvironment(), model,
                BenchModel.MINILM.tokenizer(TextTokenizer.DEFAULT_MAX_LINE_LENGTH), 0)) {
            return embedder.embed(sentences, 16);
        }
    }
}
