package com.modelpress.cli;

import com.modelpress.testfaults.TestFaults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code modelpress serve}'s setup (embedded PostgreSQL and the embedded AMQP broker, Apache Qpid, which counts no
 * deliveries) with a job whose engine fails with a retryable {@code internal_error} on every attempt: the API's count
 * of attempts, kept in the job's row, ends it {@code FAILED} after the limit, and every attempt's events are recorded
 * under its own number. Before attempts were counted in PostgreSQL the job was redelivered without end as attempt 1,
 * its retries' events were dropped as duplicates and it stayed {@code QUEUED}.
 */
class ServeAttemptLimitIntegrationTest {

    private static final String KEY = "mp_test_admin_0123456789abcdef0123456789abcdef";
    private static final int ATTEMPT_LIMIT = com.modelpress.contracts.job.Topology.JOB_ATTEMPT_LIMIT;
    private static final Duration DEADLINE = Duration.ofMinutes(6);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void jobFailingWithARetryableErrorStopsAfterTheAttemptLimitAndEndsFailed() throws Exception {
        int port = LocalPorts.free();
        String server = LocalPorts.url(port);
        Path model = TinyModels.matMul(dir.resolve("tiny.onnx"));
        try (StandalonePlatform _ = StandalonePlatform.start(dir.resolve("data"), port, KEY,
                new PrintWriter(new StringWriter()), Map.of(
                        "modelpress.worker.latency-runs", "0",
                        "modelpress.worker.work-dir", dir.resolve("work").toString(),
                        // the engine's child runs with the fault agent, so the job's test fault takes effect
                        "modelpress.worker.sandbox.java-options",
                        TestFaults.javaOption() + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
             HttpClient http = HttpClient.newHttpClient()) {
            CliRun submit = CliRun.of("submit", model.toString(), "--method", "int8", "--samples", "1",
                    "--metadata", TestFaults.METADATA_KEY + "=" + TestFaults.ENGINE_ERROR, "--server", server, "--api-key", KEY);
            assertThat(submit.exitCode()).as(submit.err()).isZero();
            String id = submit.out().lines().findFirst().orElseThrow().strip();

            JsonNode job = awaitTerminal(http, server + "/api/v1/jobs/" + id);

            assertThat(job.get("status").asString()).isEqualTo("FAILED");
            assertThat(job.get("attempt").asInt()).isEqualTo(ATTEMPT_LIMIT);
            assertThat(job.at("/error/code").asString()).isEqualTo("internal_error");
            assertThat(job.at("/error/message").asString()).contains("test fault: the engine's disk failed")
                    .endsWith("(attempt %d of %d: giving up)".formatted(ATTEMPT_LIMIT, ATTEMPT_LIMIT));
            List<JsonNode> events = get(http, server + "/api/v1/jobs/" + id + "/events").valueStream().toList();
            assertThat(events.stream().filter(e -> e.get("type").asString().equals("started"))
                    .map(e -> e.get("attempt").asInt())).as("one start per attempt").containsExactly(1, 2, 3, 4, 5);
            List<JsonNode> failures = events.stream().filter(e -> e.get("type").asString().equals("failed")).toList();
            assertThat(failures).extracting(e -> e.get("attempt").asInt()).containsExactly(1, 2, 3, 4, 5);
            assertThat(failures).extracting(e -> e.at("/payload/retryable").asBoolean())
                    .containsExactly(true, true, true, true, false);
        }
    }

    private static JsonNode awaitTerminal(HttpClient http, String url) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (true) {
            JsonNode job = get(http, url);
            String status = job.get("status").asString();
            if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status)) {
                return job;
            }
            assertThat(Instant.now()).as("job still %s at attempt %d", status, job.get("attempt").asInt())
                    .isBefore(deadline);
            Thread.sleep(500);
        }
    }

    private static JsonNode get(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
