package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.engine.testing.CachedDecoderFixtures;
import com.modelpress.engine.testing.CachedDecoderFixtures.Shape;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.TokenizerFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * {@code compress --eval-text / --calibration-text / --tokenizer} on a tiny decoder built in code, with a byte-level
 * tokenizer.json whose 256 ids are the bytes (so every text fits the decoder's vocabulary of 256), and the errors
 * of those options.
 */
class CompressTextTest {

    @TempDir
    Path dir;

    Path model;
    Path tokenizer;
    Path evaluation;
    Path calibration;

    @BeforeEach
    void write() throws IOException {
        model = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small(), 1), dir.resolve("decoder.onnx"));
        tokenizer = byteTokenizer(dir.resolve("tokenizer.json"));
        evaluation = Files.writeString(dir.resolve("eval.txt"), prose(11, 400));
        calibration = Files.writeString(dir.resolve("cal.txt"), prose(12, 400));
    }

    @Test
    void int8OnTextReportsTheModelKindAndNextTokenMetrics() {
        Path output = dir.resolve("decoder-int8.onnx");

        CliRun run = CliRun.of("compress", model.toString(), "-m", "int8", "-o", output.toString(),
                "--eval-text", evaluation.toString(), "--tokenizer", tokenizer.toString(), "--context", "48",
                "--samples", "4", "--decode-steps", "3", "--latency-runs", "0", "--no-sensitivity");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(dir.resolve("decoder-int8.report.json"));
        assertThat(report.at("/model/kind").asString()).isEqualTo("decoder-lm");
        assertThat(report.at("/model/kvHeads").asInt()).isEqualTo(2);
        assertThat(report.at("/model/kvCache").size()).isEqualTo(4);
        assertThat(report.at("/evaluation/source").asString()).isEqualTo("text");
        assertThat(report.at("/evaluation/text/windows").asInt()).isEqualTo(4);
        assertThat(report.at("/evaluation/text/context").asInt()).isEqualTo(48);
        assertThat(report.at("/evaluation/text/sha256").asString()).hasSize(64);
        assertThat(report.at("/languageModel/prefill/positions").asLong()).isEqualTo(4 * 48);
        assertThat(report.at("/languageModel/decode/positions").asLong()).isEqualTo(4 * 3);
        assertThat(report.at("/languageModel/prefill/perplexityOriginal").asDouble()).isGreaterThan(1);
        assertThat(report.at("/languageModel/prefill/klMean").asDouble()).isGreaterThan(0).isLessThan(0.01);
        assertThat(report.at("/languageModel/bands/0/name").asString()).isEqualTo("Q8_0");
        assertThat(run.out()).contains("model    decoder-lm: 2 layers, 4 heads (2 KV heads) of 16, vocabulary 256")
                .contains("next-token fidelity of 'logits' on 4 windows of 48 tokens from " + evaluation)
                .contains("prefill").contains("decode").contains("llama.cpp mean KL");
    }

    @Test
    void int4CalibratesOnOtherTextAndRecordsBothDigests() {
        Path output = dir.resolve("decoder-int4.onnx");

        CliRun run = CliRun.of("compress", model.toString(), "-m", "int4", "-o", output.toString(),
                "--eval-text", evaluation.toString(), "--calibration-text", calibration.toString(),
                "--tokenizer", tokenizer.toString(), "--context", "32", "--samples", "3", "--calibration-samples", "6",
                "--decode-steps", "2", "--latency-runs", "0", "--no-sensitivity");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(dir.resolve("decoder-int4.report.json"));
        assertThat(report.at("/calibrationText/windows").asInt()).isEqualTo(6);
        assertThat(report.at("/calibrationText/context").asInt()).isEqualTo(32);
        assertThat(report.at("/calibrationText/sha256").asString())
                .isNotEqualTo(report.at("/evaluation/text/sha256").asString()).hasSize(64);
        assertThat(report.get("notes").toString()).contains("calibrated on the text " + calibration);
        assertThat(report.get("tensors").toString()).contains("MatMulNBits");
        assertThat(run.out()).contains("calibrated on 6 windows of " + calibration);
    }

    @Test
    void autoGatesOnTheNextTokenKlAndPerplexity() {
        Path output = dir.resolve("decoder-auto.onnx");

        CliRun run = CliRun.of("compress", model.toString(), "-m", "auto", "--max-kl", "0.002",
                "--max-ppl-increase", "0.01", "-o", output.toString(), "--eval-text", evaluation.toString(),
                "--tokenizer", tokenizer.toString(), "--context", "32", "--samples", "2", "--decode-steps", "2",
                "--latency-runs", "0", "--no-sensitivity", "--calibration-samples", "0", "--budget", "2m");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(dir.resolve("decoder-auto.report.json"));
        assertThat(report.get("notes").toString()).contains("auto: target KL 0.0020, perplexity +1.00 % met");
        assertThat(report.at("/languageModel/prefill/klMean").asDouble()).isLessThanOrEqualTo(0.002);
        assertThat(report.at("/languageModel/decode/klMean").asDouble()).isLessThanOrEqualTo(0.002);
        assertThat(Math.exp(report.at("/languageModel/prefill/lnPerplexityRatio").asDouble()) - 1).isLessThanOrEqualTo(0.01);
    }

    @Test
    void textOptionErrorsAreOneLineWithTheCliExitCodes() throws IOException {
        Path output = dir.resolve("out.onnx");
        Path copy = Files.copy(evaluation, dir.resolve("same-text.txt"));
        Path broken = Files.writeString(dir.resolve("broken.json"), "{ not json");
        Path shortText = Files.writeString(dir.resolve("short.txt"), "too short");

        assertError(2, "--calibration-text " + copy + " and --eval-text " + evaluation + " are the same text (sha256",
                "-m", "int4", "--calibration-text", copy.toString(), "--eval-text", evaluation.toString(),
                "--tokenizer", tokenizer.toString());
        assertError(3, "cannot use the tokenizer " + broken, "-m", "int8", "--eval-text", evaluation.toString(),
                "--tokenizer", broken.toString());
        assertError(3, "cannot read --eval-text " + dir.resolve("absent.txt") + ": no such file", "-m", "int8",
                "--eval-text", dir.resolve("absent.txt").toString(), "--tokenizer", tokenizer.toString());
        assertError(3, "has 9 tokens; one window needs", "-m", "int8", "--eval-text", shortText.toString(),
                "--tokenizer", tokenizer.toString());
        assertError(2, "--eval-text needs --tokenizer tokenizer.json", "-m", "int8", "--eval-text", evaluation.toString());
        assertError(2, "--tokenizer is only used with --calibration-text or --eval-text", "-m", "int8",
                "--tokenizer", tokenizer.toString());
        assertError(2, "--max-ppl-increase needs --eval-text", "-m", "auto", "--max-ppl-increase", "0.01");
        assertError(2, "--max-ppl-increase needs --eval-text", "-m", "int8", "--max-ppl-increase", "0.01");
        assertError(2, "--inputs and --eval-text exclude each other", "-m", "int8", "--inputs", dir.toString(),
                "--eval-text", evaluation.toString(), "--tokenizer", tokenizer.toString());
        assertError(2, "--context: must be between 2 and 8192 tokens, not 1", "-m", "int8", "--context", "1");
        assertThat(output).doesNotExist();
    }

    private void assertError(int exitCode, String message, String... options) {
        List<String> args = new ArrayList<>(List.of("compress", model.toString(), "-o", dir.resolve("out.onnx").toString(),
                "--latency-runs", "0", "--no-sensitivity"));
        args.addAll(List.of(options));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.err()).isEqualTo(exitCode);
        assertThat(run.errorLines()).singleElement().asString().startsWith("error: ").contains(message);
    }

    /** Sentences of random words: text with some structure, different for different seeds. */
    static String prose(long seed, int sentences) {
        String[] words = {"the", "model", "reads", "a", "line", "of", "text", "and", "writes", "another", "one", "small",
                "quick", "cache", "token", "window", "every", "step", "fast", "slow"};
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            int length = 4 + random.nextInt(8);
            for (int w = 0; w < length; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            text.append(".\n");
        }
        return text.toString();
    }

    /** A byte-level BPE tokenizer.json without merges ({@link TokenizerFixtures#byteLevelBpe}): id = byte value. */
    static Path byteTokenizer(Path file) throws IOException {
        return Files.writeString(file, TokenizerFixtures.byteLevelBpe());
    }
}
