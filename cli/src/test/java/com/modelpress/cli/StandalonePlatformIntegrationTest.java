package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The standalone platform for real: embedded PostgreSQL and AMQP broker, the API and a worker in this JVM. A job
 * submitted with the CLI's REST client succeeds, its artifacts download with matching digests, and a restart on
 * the same data folder still knows the job and its key. Takes tens of seconds.
 */
class StandalonePlatformIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void runsAJobEndToEndAndKeepsItAcrossARestart() throws IOException {
        int port = LocalPorts.free();
        Path data = dir.resolve("data");
        Path model = TinyModels.matMul(dir.resolve("tiny.onnx"));
        String server = LocalPorts.url(port);
        String id;
        LocalApiKey key = LocalApiKey.resolve(data, null);
        try (StandalonePlatform _ = StandalonePlatform.start(data, port, key.key(), new PrintWriter(new StringWriter()))) {
            // without the key, or with a wrong one, the API refuses the CLI
            CliRun anonymous = CliRun.of("submit", model.toString(), "--method", "int8", "--server", server,
                    "--api-key", "mp_not_the_key_0123456789abcdef0123456789");
            assertThat(anonymous.exitCode()).as(anonymous.err()).isEqualTo(ExitCode.UNAUTHORIZED);

            CliRun submit = CliRun.of("submit", model.toString(), "--method", "int8", "--samples", "2", "--wait",
                    "--min-cosine", "0.99", "--server", server, "--api-key", key.key());
            assertThat(submit.exitCode()).as(submit.err()).isZero();
            id = submit.out().lines().findFirst().orElseThrow().strip();

            CliRun download = CliRun.of("download", id, "-o", dir.resolve("out").toString(), "--server", server,
                    "--api-key", key.key());
            assertThat(download.exitCode()).as(download.err()).isZero();
            assertThat(dir.resolve("out/model.onnx")).isRegularFile();
            JsonNode report = JsonMapper.builder().build().readTree(dir.resolve("out/report.json"));
            assertThat(report.get("method").asString()).isEqualTo("int8");
            assertThat(report.at("/outputs/0/cosineMean").asDouble()).isGreaterThan(0.99);
        }
        // the next start reuses the stored key
        LocalApiKey reused = LocalApiKey.resolve(data, null);
        assertThat(reused.created()).isFalse();
        try (StandalonePlatform _ = StandalonePlatform.start(data, port, reused.key(), new PrintWriter(new StringWriter()))) {
            CliRun status = CliRun.of("status", id, "--server", server, "--api-key", key.key());
            assertThat(status.exitCode()).as(status.err()).isZero();
            assertThat(status.out()).contains("SUCCEEDED");
            assertThat(Files.list(data.resolve("artifacts/jobs/" + id))).isNotEmpty();
        }
    }
}
