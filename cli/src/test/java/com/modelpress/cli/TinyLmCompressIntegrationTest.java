package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.engine.testing.TinyLm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;

/**
 * {@code modelpress compress} on the shared tinylm decoder (skipped when absent), scored on its evaluation text through
 * its own tokenizer, calibrated on its calibration text: a real model, seconds per run.
 */
class TinyLmCompressIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void int8OfTheFp32ExportKeepsItsPerplexityAndNextTokenDistributions() {
        JsonNode report = compress(TinyLm.model(), "int8");

        assertThat(report.at("/model/kind").asString()).isEqualTo("decoder-lm");
        assertThat(report.at("/evaluation/text/windows").asInt()).isEqualTo(24);
        assertThat(report.at("/evaluation/text/context").asInt()).isEqualTo(128);
        // tinylm's README: perplexity on eval.txt in 128-token windows, prefill, about 60
        assertThat(report.at("/languageModel/prefill/perplexityOriginal").asDouble()).isBetween(45.0, 80.0);
        assertThat(report.at("/languageModel/prefill/klMean").asDouble()).isLessThan(0.001);
        assertThat(report.at("/languageModel/prefill/klP99").asDouble()).isLessThan(0.005);
        assertThat(report.at("/languageModel/prefill/sameTop1").asDouble()).isGreaterThan(0.95);
        assertThat(Math.abs(report.at("/languageModel/prefill/lnPerplexityRatio").asDouble())).isLessThan(0.005);
        assertThat(report.at("/languageModel/decode/positions").asLong()).isEqualTo(24 * 32);
        assertThat(report.at("/languageModel/decode/klMean").asDouble())
                .isLessThan(1.5 * report.at("/languageModel/prefill/klMean").asDouble());
        assertThat(report.at("/sizes/ratio").asDouble()).isLessThan(0.3);
    }

    @Test
    void int4OfTheFp32ExportCalibratedOnItsTextStaysNearQ6K() {
        JsonNode report = compress(TinyLm.model(), "int4");

        assertThat(report.at("/calibrationText/windows").asInt()).isEqualTo(64);
        assertThat(report.at("/languageModel/prefill/klMean").asDouble()).isLessThan(0.01);
        assertThat(report.at("/languageModel/prefill/sameTop1").asDouble()).isGreaterThan(0.9);
        assertThat(report.at("/languageModel/prefill/lnPerplexityRatio").asDouble()).isBetween(-0.005, 0.02);
        assertThat(report.at("/languageModel/decode/klMean").asDouble())
                .isLessThan(1.5 * report.at("/languageModel/prefill/klMean").asDouble());
        assertThat(report.at("/sizes/ratio").asDouble()).isLessThan(0.2);
    }

    @Test
    void theFp16ExportEvaluatesWithItsFloat16CacheAndLogits() {
        // int8 of fp16 weights is lm-dtypes' work: whatever it does to them, the evaluation runs and stays close
        JsonNode report = compress(TinyLm.fp16Model(), "int8");

        assertThat(report.at("/model/kind").asString()).isEqualTo("decoder-lm");
        assertThat(report.at("/languageModel/prefill/perplexityOriginal").asDouble()).isBetween(45.0, 80.0);
        assertThat(report.at("/languageModel/prefill/klMean").asDouble()).isLessThan(0.001);
        assertThat(report.at("/languageModel/decode/positions").asLong()).isEqualTo(24 * 32);
    }

    private JsonNode compress(Path model, String method) {
        Path output = dir.resolve("tinylm-" + method + ".onnx");
        CliRun run = CliRun.of("compress", model.toString(), "-m", method, "-o", output.toString(),
                "--eval-text", TinyLm.evaluationText().toString(), "--calibration-text", TinyLm.calibrationText().toString(),
                "--tokenizer", TinyLm.tokenizer().toString(), "--latency-runs", "0", "--no-sensitivity");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("next-token fidelity of 'logits' on 24 windows of 128 tokens");
        return JsonMapper.builder().build().readTree(dir.resolve("tinylm-" + method + ".report.json"));
    }
}
