package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.engine.testing.HostileCorpus;
import com.modelpress.engine.testing.HostileCorpus.Case;
import com.modelpress.engine.testing.HostileCorpus.Outcome;
import com.modelpress.files.FileTrees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every case of the hostile corpus submitted over HTTP to one standalone platform (embedded PostgreSQL and broker,
 * the API and a real worker in this JVM): each gets a 4xx problem+json with a stable {@code code}, or a job that ends
 * FAILED with the expected {@code error.code} and a message naming the defect, or — for models that are not errors —
 * a job that SUCCEEDED as documented. Afterwards the worker is still consuming: a good model succeeds.
 */
class HostileInputApiIntegrationTest {

    static final String ADMIN_KEY = "mp_test_admin_0123456789abcdef0123456789abcdef";
    private static final String REQUEST = "{\"method\":\"int8\",\"evaluation\":{\"samples\":1,\"seed\":7}}";
    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final Duration JOB_DEADLINE = Duration.ofMinutes(3);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Path dir;
    private static StandalonePlatform platform;
    private static String server;
    private static HttpClient http;

    private static long startMillis;

    @BeforeAll
    static void startPlatform() throws IOException {
        long start = System.nanoTime();
        dir = Files.createTempDirectory("modelpress-hostile-");
        int port = LocalPorts.free();
        server = LocalPorts.url(port);
        platform = StandalonePlatform.start(dir.resolve("data"), port, ADMIN_KEY, new PrintWriter(new StringWriter()),
                Map.of(
                "modelpress.api.max-upload-size", HostileCorpus.UPLOAD_LIMIT_BYTES + "B",
                "modelpress.worker.latency-runs", "0",
                "modelpress.worker.evaluation-samples", "1",
                "modelpress.worker.work-dir", dir.resolve("work").toString()));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        startMillis = (System.nanoTime() - start) / 1_000_000;
    }

    @AfterAll
    static void stopPlatform() throws IOException {
        if (platform != null) {
            platform.close();
        }
        if (dir != null) {
            FileTrees.delete(dir);
        }
    }

    @Test
    void everyCaseIsAnsweredClearlyAndTheWorkerKeepsGoing() throws Exception {
        long start = System.nanoTime();
        Map<Case, String> jobs = new LinkedHashMap<>();
        List<String> answers = new ArrayList<>();
        for (Case hostile : HostileCorpus.cases()) {
            Path folder = Files.createDirectories(dir.resolve("cases").resolve(hostile.name()));
            Path upload = hostile.write(folder).upload();
            long submitStart = System.nanoTime();
            HttpResponse<String> response = submit(upload);
            long submitMillis = (System.nanoTime() - submitStart) / 1_000_000;
            if (submitMillis > 1000) {
                answers.add("(%s: the submit took %d ms)".formatted(hostile.name(), submitMillis));
            }
            JsonNode body = JSON.readTree(response.body());
            switch (hostile.api()) {
                case Outcome.Problem(int status, String code) -> {
                    assertThat(response.statusCode()).as(hostile.name() + ": " + response.body()).isEqualTo(status);
                    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                            type -> assertThat(type).startsWith("application/problem+json"));
                    assertThat(body.get("code").asString()).as(hostile.name()).isEqualTo(code);
                    assertThat(body.get("detail").asString()).as(hostile.name()).isNotBlank();
                    answers.add("%s -> %d %s".formatted(hostile.name(), status, code));
                }
                case Outcome.JobFailed _, Outcome.Succeeds _ -> {
                    assertThat(response.statusCode()).as(hostile.name() + ": " + response.body()).isEqualTo(202);
                    jobs.put(hostile, body.get("id").asString());
                }
                case Outcome.Refused _ -> throw new AssertionError("not an API outcome: " + hostile.api());
            }
        }
        long submitted = System.nanoTime();
        for (Map.Entry<Case, String> job : jobs.entrySet()) {
            Case hostile = job.getKey();
            JsonNode finished = awaitTerminal(job.getValue());
            String status = finished.get("status").asString();
            switch (hostile.api()) {
                case Outcome.JobFailed(String errorCode, String fragment) -> {
                    assertThat(status).as(hostile.name() + ": " + finished).isEqualTo("FAILED");
                    assertThat(finished.at("/error/code").asString()).as(hostile.name() + ": " + finished)
                            .isEqualTo(errorCode);
                    String message = finished.at("/error/message").asString();
                    assertThat(message).as(hostile.name()).contains(fragment).doesNotContain("\n")
                            .doesNotContain("\tat ");
                    assertThat(finished.get("attempt").asInt()).as(hostile.name() + ": not retried").isEqualTo(1);
                    answers.add("%s -> FAILED %s: %s".formatted(hostile.name(), errorCode, message));
                }
                case Outcome.Succeeds(boolean nothingToCompress) -> {
                    assertThat(status).as(hostile.name() + ": " + finished).isEqualTo("SUCCEEDED");
                    JsonNode report = JSON.readTree(get("/api/v1/jobs/" + job.getValue() + "/report").body());
                    assertThat(report.get("nothingToCompress").asBoolean()).as(hostile.name()).isEqualTo(nothingToCompress);
                    answers.add("%s -> SUCCEEDED (nothingToCompress=%s)".formatted(hostile.name(), nothingToCompress));
                }
                case Outcome.Problem _, Outcome.Refused _ -> throw new AssertionError(hostile.api());
            }
        }
        long drained = System.nanoTime();

        Path good = com.modelpress.engine.testing.OnnxFixtures.write(HostileCorpus.good(), dir.resolve("good.onnx"));
        HttpResponse<String> accepted = submit(good);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode finished = awaitTerminal(JSON.readTree(accepted.body()).get("id").asString());
        assertThat(finished.get("status").asString()).as(finished.toString()).isEqualTo("SUCCEEDED");
        assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        System.out.printf("hostile corpus through the API (platform start %d ms, %d cases submitted in %d ms, "
                        + "%d jobs terminal %d ms later, good job after them %d ms):%n  %s%n", startMillis,
                HostileCorpus.cases().size(), (submitted - start) / 1_000_000, jobs.size(), (drained - submitted) / 1_000_000,
                (System.nanoTime() - drained) / 1_000_000, String.join("\n  ", answers));
    }

    private static HttpResponse<String> submit(Path upload) throws IOException, InterruptedException {
        MultipartBody body = MultipartBody.of("request", REQUEST, "model", upload);
        HttpRequest request = HttpRequest.newBuilder(URI.create(server + "/api/v1/jobs"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .header("Content-Type", body.contentType())
                .POST(body.publisher())
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ADMIN_KEY).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitTerminal(String id) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(JOB_DEADLINE);
        while (true) {
            HttpResponse<String> response = get("/api/v1/jobs/" + id);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode job = JSON.readTree(response.body());
            if (TERMINAL.contains(job.get("status").asString())) {
                return job;
            }
            assertThat(Instant.now()).as("job %s still %s", id, job.get("status")).isBefore(deadline);
            Thread.sleep(100);
        }
    }
}
