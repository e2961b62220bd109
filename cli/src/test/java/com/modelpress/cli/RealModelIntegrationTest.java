package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The command on a real model: all-MiniLM-L6-v2 (90 MB, from its Maven Central jar). Takes seconds, not milliseconds. */
class RealModelIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void int8MiniLmStaysClose() throws IOException {
        Path model = dir.resolve("all-minilm-l6-v2.onnx");
        try (InputStream in = RealModelIntegrationTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            assertThat(in).as("all-minilm-l6-v2.onnx on the test classpath").isNotNull();
            Files.copy(in, model);
        }
        Path output = dir.resolve("minilm-int8.onnx");

        CliRun run = CliRun.of("compress", model.toString(), "--method", "int8", "-o", output.toString(),
                "--samples", "2", "--latency-runs", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(dir.resolve("minilm-int8.report.json"));
        assertThat(report.at("/outputs/0/cosineMean").asDouble()).isGreaterThanOrEqualTo(0.99);
        assertThat(report.at("/sizes/ratio").asDouble()).isLessThan(0.35);
        assertThat(report.at("/evaluation/samples").asInt()).isEqualTo(2);
        assertThat(run.out()).contains("last_hidden_state");
    }

    @Test
    void int4CalibratesOnTextTokenizedWithTheModelsTokenizer() throws IOException {
        Path model = dir.resolve("all-minilm-l6-v2.onnx");
        Path tokenizer = dir.resolve("tokenizer.json");
        try (InputStream in = RealModelIntegrationTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx");
             InputStream json = RealModelIntegrationTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, model);
            Files.copy(json, tokenizer);
        }
        StringBuilder text = new StringBuilder();
        String[] subjects = {"The committee", "A small robot", "My neighbour", "The new library", "Our team",
                "The old bakery on the corner", "Every student in the class", "The city council"};
        String[] actions = {"approved the budget for next year", "cleaned the kitchen floor twice",
                "reads science fiction before going to sleep", "opens early on Saturday mornings",
                "shipped the release after a long week of testing", "was late because the train broke down",
                "planted tomatoes and basil in the garden", "asked a difficult question about the results"};
        for (String subject : subjects) {
            for (String action : actions) {
                text.append(subject).append(' ').append(action).append(".\n\n");
            }
        }
        Path lines = Files.writeString(dir.resolve("calibration.txt"), text);
        Path scored = Files.writeString(dir.resolve("evaluation.txt"),
                "A quiet morning in the harbour.\nThe results were better than expected.\nShe parked the bike outside.\n");
        Path output = dir.resolve("minilm-int4.onnx");

        CliRun run = CliRun.of("compress", model.toString(), "--method", "int4", "-o", output.toString(),
                "--calibration-text", lines.toString(), "--eval-text", scored.toString(), "--tokenizer", tokenizer.toString(),
                "--samples", "2", "--latency-runs", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(dir.resolve("minilm-int4.report.json"));
        assertThat(report.get("notes").toString()).contains("calibrated on the text " + lines);
        assertThat(report.at("/calibrationText/windows").asInt()).as("every line").isEqualTo(64);
        assertThat(report.at("/model/kind").asString()).isEqualTo("encoder");
        assertThat(report.get("tensors").toString()).contains("MatMulNBits GPTQ");
        // scored on two other sentences, one sample per line: calibration this narrow is not the point here
        assertThat(report.at("/evaluation/source").asString()).isEqualTo("text");
        assertThat(report.at("/evaluation/text/windows").asInt()).isEqualTo(2);
        assertThat(report.at("/evaluation/text/sha256").asString()).isNotEqualTo(report.at("/calibrationText/sha256").asString());
        assertThat(report.at("/outputs/0/cosineMean").asDouble()).isGreaterThanOrEqualTo(0.95);
        assertThat(report.get("languageModel").isNull()).isTrue();

        CliRun missingTokenizer = CliRun.of("compress", model.toString(), "--method", "int4", "-o",
                dir.resolve("other.onnx").toString(), "--calibration-text", lines.toString());
        assertThat(missingTokenizer.exitCode()).isEqualTo(2);
        assertThat(missingTokenizer.err()).contains("--calibration-text needs --tokenizer");
    }
}
