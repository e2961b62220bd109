package com.modelpress.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.LanguageModelFidelity;
import com.modelpress.contracts.FidelityReport.NextTokenFidelity;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationResult;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;
import com.modelpress.engine.evaluation.TokenizedText;
import com.modelpress.engine.testing.IndependentNextTokenMetrics;
import com.modelpress.engine.testing.TinyLm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The shared tinylm decoder (skipped when absent) scored on its own evaluation text through its own tokenizer:
 * perplexity where its README puts it, compressed models within bounds, and the engine's numbers equal to an
 * independent computation with ONNX Runtime on the same windows.
 */
class TinyLmTextEvaluationTest {

    private static final int WINDOWS = 24;
    private static final int CONTEXT = 128;
    private static final int STEPS = 8;

    private static TokenizedText evaluation;
    private static TokenizedText calibration;

    @TempDir
    Path dir;

    @BeforeAll
    static void tokenize() throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.read(TinyLm.tokenizer(), CONTEXT)) {
            evaluation = tokenizer.tokenize(TinyLm.evaluationText());
            calibration = tokenizer.tokenize(TinyLm.calibrationText());
        }
    }

    @Test
    void int8OnTextKeepsPerplexityAndMatchesAnIndependentComputation() throws Exception {
        Path output = dir.resolve("tinylm-int8.onnx");
        FidelityReport report = new ModelCompressor(settings(), CalibrationSettings.onText(calibration, 16, CONTEXT))
                .compress(TinyLm.model(), output, CompressionMethod.of("int8", null), ProgressListener.NONE);

        LanguageModelFidelity lm = report.languageModel();
        assertThat(report.model().kind()).isEqualTo("decoder-lm");
        assertThat(report.evaluation().text().sha256()).isEqualTo(evaluation.sha256());
        assertThat(lm.windows()).isEqualTo(WINDOWS);
        assertThat(lm.prefill().positions()).isEqualTo((long) WINDOWS * CONTEXT);
        assertThat(lm.decode().positions()).isEqualTo((long) WINDOWS * STEPS);
        // tinylm's README: perplexity on eval.txt, 128-token windows, prefill, about 60
        assertThat(lm.prefill().perplexityOriginal()).isBetween(45.0, 80.0);
        assertThat(lm.prefill().klMean()).isLessThan(0.001);
        assertThat(lm.prefill().sameTop1()).isGreaterThan(0.95);
        assertThat(Math.abs(lm.prefill().lnPerplexityRatio())).isLessThan(0.005);
        assertThat(lm.decode().klMean()).isLessThan(1.5 * lm.prefill().klMean() + 1e-4);
        assertThat(lm.prefill().band()).isEqualTo("Q8_0");

        IndependentNextTokenMetrics.Result expected = independent(output);
        assertWithin5Percent(lm.prefill(), lm.decode(), expected);
    }

    @Test
    void int4WithGptqOnTheCalibrationTextStaysWithinQ4KmBounds() throws Exception {
        Path output = dir.resolve("tinylm-int4.onnx");
        FidelityReport report = new ModelCompressor(settings(), CalibrationSettings.onText(calibration, 32, CONTEXT))
                .compress(TinyLm.model(), output, CompressionMethod.of("int4", null), ProgressListener.NONE);

        LanguageModelFidelity lm = report.languageModel();
        assertThat(report.calibrationText().sha256()).isEqualTo(calibration.sha256());
        assertThat(report.calibrationText().windows()).isEqualTo(32);
        assertThat(report.notes()).anyMatch(note -> note.startsWith("calibrated on the text"));
        assertThat(lm.prefill().klMean()).isGreaterThan(lm.prefill().klMedian()).isLessThan(0.02);
        assertThat(lm.prefill().sameTop1()).isGreaterThan(0.85);
        assertThat(lm.prefill().lnPerplexityRatio()).isBetween(-0.01, 0.03);
        assertThat(lm.decode().klMean()).isLessThan(1.5 * lm.prefill().klMean());

        assertWithin5Percent(lm.prefill(), lm.decode(), independent(output));
    }

    @Test
    void fp16ExportScoredAgainstTheFp32OneIsNearlyLossless() throws Exception {
        EvaluationResult result = FidelityEvaluator.evaluate(TinyLm.model(), TinyLm.fp16Model(), settings(),
                ProgressListener.NONE);

        NextTokenFidelity prefill = result.languageModel().prefill();
        assertThat(prefill.klMean()).isGreaterThan(0).isLessThan(0.001);
        assertThat(prefill.sameTop1()).isGreaterThan(0.97);
        assertThat(result.languageModel().decode().klMean()).isLessThan(0.001);
        assertWithin5Percent(prefill, result.languageModel().decode(), independent(TinyLm.fp16Model()));
    }

    private static EvaluationSettings settings() {
        return new EvaluationSettings(WINDOWS, 7, null, 0, Map.of()).onText(evaluation, WINDOWS, CONTEXT)
                .withDecodeSteps(STEPS);
    }

    /**
     * The windows as the engine documents its cut: non-overlapping strides of context + steps + 1 tokens, the
     * {@code WINDOWS} of them spread evenly (window i at stride ⌊i · available / WINDOWS⌋).
     */
    private static IndependentNextTokenMetrics.Result independent(Path compressed) throws Exception {
        long[] stream = evaluation.stream();
        int stride = CONTEXT + STEPS + 1;
        int available = stream.length / stride;
        List<long[]> windows = new ArrayList<>();
        List<long[]> continuations = new ArrayList<>();
        for (int i = 0; i < WINDOWS; i++) {
            int offset = (int) ((long) i * available / WINDOWS) * stride;
            windows.add(Arrays.copyOfRange(stream, offset, offset + CONTEXT));
            continuations.add(Arrays.copyOfRange(stream, offset + CONTEXT, offset + stride));
        }
        return IndependentNextTokenMetrics.compute(TinyLm.model(), compressed, windows, continuations, STEPS);
    }

    private static void assertWithin5Percent(NextTokenFidelity prefill, NextTokenFidelity decode,
                                             IndependentNextTokenMetrics.Result expected) {
        assertThat(prefill.positions()).isEqualTo(expected.prefillPositions());
        assertThat(decode.positions()).isEqualTo(expected.decodePositions());
        assertThat(prefill.klMean()).isCloseTo(expected.prefillKl(), within(0.05 * expected.prefillKl()));
        assertThat(decode.klMean()).isCloseTo(expected.decodeKl(), within(0.05 * expected.decodeKl()));
        assertThat(prefill.perplexityOriginal()).isCloseTo(expected.pplOriginal(), within(0.05 * expected.pplOriginal()));
        assertThat(prefill.perplexityCompressed()).isCloseTo(expected.pplCompressed(),
                within(0.05 * expected.pplCompressed()));
    }
}
