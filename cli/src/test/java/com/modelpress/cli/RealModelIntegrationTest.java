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
}
