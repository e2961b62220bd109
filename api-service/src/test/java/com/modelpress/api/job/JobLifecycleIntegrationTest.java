package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.api.support.TestServices;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;
import com.modelpress.files.Sha256;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.listener.MessageListenerContainer;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static com.modelpress.api.support.SimulatedWorker.progress;
import static com.modelpress.api.support.SimulatedWorker.started;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class JobLifecycleIntegrationTest extends ApiIntegrationTest {

    @Autowired
    private RabbitListenerEndpointRegistry listeners;

    private static final String REQUEST = """
            {"method":"int4","options":{"blockSize":32,"excludeNodes":["lm_head"]},
             "target":{"minCosine":0.99},"evaluation":{"samples":4,"seed":7},"metadata":{"pipeline":"nightly-42"}}""";

    @Test
    void submittedJobRunsToSuccessAndItsArtifactsDownloadWithRangeEtagAndDigest() throws Exception {
        byte[] model = randomBytes(70_000, 1);
        ApiClient.Response submitted = api.submit(model, "my model.onnx", REQUEST, null);
        assertThat(submitted.status()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());
        assertThat(submitted.header(HttpHeaders.LOCATION)).isEqualTo("/api/v1/jobs/" + id);
        assertThat(submitted.json().get("status").asString()).isEqualTo("QUEUED");

        // the worker's view: the job message with the stored input and its checksum
        JobMessage job = worker.awaitJob(id).job();
        assertThat(job.inputKey()).isEqualTo("jobs/%s/input/my_model.onnx".formatted(id));
        assertThat(job.inputName()).isEqualTo("my_model.onnx");
        assertThat(job.inputSha256()).isEqualTo(Sha256.of(model));
        assertThat(job.request().method()).isEqualTo("int4");
        assertThat(job.request().options().excludeNodes()).containsExactly("lm_head");
        try (var in = store.open(job.inputKey(), 0, model.length)) {
            assertThat(in.readAllBytes()).isEqualTo(model);
        }

        worker.publish(started(id, 1, 1));
        awaitStatus(id, "RUNNING");
        worker.publish(progress(id, 1, 2, "compress", 0.5));
        worker.publish(progress(id, 1, 3, "evaluate", 0.0));
        awaitStatus(id, "EVALUATING");

        byte[] output = randomBytes(50_000, 2);
        ArtifactRef compressed = worker.writeArtifact(id, 1, "model.onnx", output, "application/octet-stream");
        ArtifactRef reportFile = worker.writeArtifact(id, 1, "report.json", "{}".getBytes(), "application/json");
        worker.publish(new JobEvent.Succeeded(id, 1, 4, Instant.now(), List.of(compressed, reportFile),
                SimulatedWorker.report("int4", job.inputSha256(), compressed.sha256())));
        JsonNode done = awaitStatus(id, "SUCCEEDED");
        assertThat(done.get("attempt").asInt()).isEqualTo(1);
        assertThat(done.get("reportAvailable").asBoolean()).isTrue();
        assertThat(done.get("timestamps").get("startedAt").isNull()).isFalse();
        assertThat(done.get("timestamps").get("evaluatingAt").isNull()).isFalse();
        assertThat(done.get("timestamps").get("finishedAt").isNull()).isFalse();

        JsonNode artifacts = api.get("/api/v1/jobs/" + id + "/artifacts").json();
        assertThat(artifacts).hasSize(2);
        JsonNode listed = artifacts.get(0);
        assertThat(listed.get("name").asString()).isEqualTo("model.onnx");
        assertThat(listed.get("sizeBytes").asLong()).isEqualTo(output.length);
        assertThat(listed.get("sha256").asString()).isEqualTo(Sha256.of(output));
        assertThat(listed.get("href").asString()).isEqualTo("/api/v1/jobs/" + id + "/artifacts/model.onnx");

        String href = listed.get("href").asString();
        ApiClient.Response full = api.get(href);
        assertThat(full.status()).isEqualTo(200);
        assertThat(full.body()).isEqualTo(output);
        assertThat(full.headers().getContentLength()).isEqualTo(output.length);
        assertThat(full.header(HttpHeaders.ETAG)).isEqualTo("\"" + Sha256.of(output) + "\"");
        assertThat(full.header(HttpHeaders.ACCEPT_RANGES)).isEqualTo("bytes");
        String digest = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(output));
        assertThat(full.header("Repr-Digest")).isEqualTo("sha-256=:" + digest + ":");

        ApiClient.Response part = api.get(href, h -> h.set(HttpHeaders.RANGE, "bytes=1000-1999"));
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(output, 1000, 2000));
        assertThat(part.header(HttpHeaders.CONTENT_RANGE)).isEqualTo("bytes 1000-1999/" + output.length);
        assertThat(part.header("Repr-Digest")).isEqualTo("sha-256=:" + digest + ":");

        ApiClient.Response suffix = api.get(href, h -> h.set(HttpHeaders.RANGE, "bytes=-10"));
        assertThat(suffix.status()).isEqualTo(206);
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(output, output.length - 10, output.length));

        ApiClient.Response staleIfRange = api.get(href, h -> {
            h.set(HttpHeaders.RANGE, "bytes=0-9");
            h.set(HttpHeaders.IF_RANGE, "\"something-else\"");
        });
        assertThat(staleIfRange.status()).isEqualTo(200);
        assertThat(staleIfRange.body()).hasSize(output.length);

        ApiClient.Response unsatisfiable = api.get(href, h -> h.set(HttpHeaders.RANGE, "bytes=" + output.length + "-"));
        assertThat(unsatisfiable.status()).isEqualTo(416);
        assertThat(unsatisfiable.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(unsatisfiable.json().get("code").asString()).isEqualTo("range_not_satisfiable");
        assertThat(unsatisfiable.header(HttpHeaders.CONTENT_RANGE)).isEqualTo("bytes */" + output.length);

        ApiClient.Response notModified = api.get(href, h -> h.setIfNoneMatch(full.header(HttpHeaders.ETAG)));
        assertThat(notModified.status()).isEqualTo(304);
        assertThat(notModified.body()).isEmpty();

        ApiClient.Response report = api.get("/api/v1/jobs/" + id + "/report");
        assertThat(report.status()).isEqualTo(200);
        assertThat(report.json().get("method").asString()).isEqualTo("int4");
        assertThat(report.json().get("outputSha256").asString()).isEqualTo(Sha256.of(output));
        assertThat(report.json().get("outputs").get(0).get("cosineMean").asDouble()).isEqualTo(0.998);

        JsonNode events = api.get("/api/v1/jobs/" + id + "/events").json();
        assertThat(events.valueStream().map(e -> e.get("type").asString()).toList())
                .containsExactly("started", "progress", "progress", "succeeded");
        assertThat(events.get(1).get("payload").get("step").asString()).isEqualTo("compress");
    }

    @Test
    void eventStreamSendsPastEventsThenNewOnesAndEndsWhenTheJobIsTerminal() throws Exception {
        UUID id = submit();
        worker.awaitJob(id);
        worker.publish(started(id, 1, 1));
        awaitStatus(id, "RUNNING");

        HttpRequest request = HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/jobs/" + id + "/events"))
                .header(HttpHeaders.ACCEPT, MediaType.TEXT_EVENT_STREAM_VALUE)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestServices.ADMIN_KEY).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response =
                    client.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
            HttpResponse<java.util.stream.Stream<String>> stream = response.get();
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue(HttpHeaders.CONTENT_TYPE)).hasValueSatisfying(
                    type -> assertThat(type).startsWith(MediaType.TEXT_EVENT_STREAM_VALUE));
            worker.publish(progress(id, 1, 2, "compress", 0.5));
            // a worker publishes each event confirmed, in order; events that arrive after the job ended are dropped
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> countEvents(id) == 2);
            worker.publish(new JobEvent.Failed(id, 1, 3, Instant.now(), "invalid_model", "not an ONNX model", false));
            // the stream ends by itself once the job is FAILED
            List<String> lines = CompletableFuture.supplyAsync(() -> stream.body().toList())
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(lines.stream().filter(line -> line.startsWith("event:")).map(line -> line.substring(6).trim()))
                    .containsExactly("started", "progress", "failed");
            assertThat(lines).anyMatch(line -> line.startsWith("id:") && line.substring(3).trim().equals("1-3"));
        }
        JsonNode failed = api.get("/api/v1/jobs/" + id).json();
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("error").get("code").asString()).isEqualTo("invalid_model");
    }

    @Test
    void duplicateEventDeliveryChangesNothing() throws Exception {
        UUID id = submit();
        worker.awaitJob(id);
        JobEvent.Started start = started(id, 1, 1);
        worker.publish(start);
        worker.publish(progress(id, 1, 2, "evaluate", 0.1));
        JsonNode evaluating = awaitStatus(id, "EVALUATING");
        ArtifactRef out = worker.writeArtifact(id, 1, "model.onnx", randomBytes(100, 3), "application/octet-stream");
        JobEvent.Succeeded succeeded = new JobEvent.Succeeded(id, 1, 3, Instant.now(), List.of(out),
                SimulatedWorker.report("int4", "00", out.sha256()));
        worker.publish(succeeded);
        JsonNode done = awaitStatus(id, "SUCCEEDED");

        // redeliveries of every event and a late heartbeat, then a marker event (another job's, consumed in order) that
        // proves they were all consumed
        UUID marker = submit();
        worker.awaitJob(marker);
        worker.publish(start);
        worker.publish(progress(id, 1, 2, "evaluate", 0.1));
        worker.publish(succeeded);
        worker.publish(new JobEvent.Heartbeat(id, 1, 4, Instant.now()));
        worker.publish(started(marker, 1, 1));
        awaitStatus(marker, "RUNNING");
        assertThat(countEvents(id)).isEqualTo(3);

        JsonNode after = api.get("/api/v1/jobs/" + id).json();
        assertThat(after).isEqualTo(done);
        assertThat(after.get("timestamps").get("evaluatingAt")).isEqualTo(evaluating.get("timestamps").get("evaluatingAt"));
        assertThat(api.get("/api/v1/jobs/" + id + "/artifacts").json()).hasSize(1);
        assertThat(api.get("/api/v1/jobs/" + id + "/events").json().valueStream()
                .map(e -> e.get("type").asString()).toList())
                .as("nothing is recorded after the job ended").containsExactly("started", "progress", "succeeded");
    }

    @Test
    void retryableFailurePublishesTheNextAttemptWhichCanSucceed() throws Exception {
        UUID id = submit();
        assertThat(worker.awaitJob(id).job().attempt()).isEqualTo(1);
        worker.publish(started(id, 1, 1));
        worker.publish(new JobEvent.Failed(id, 1, 2, Instant.now(), "worker_crashed", "child JVM died", true));
        JsonNode waiting = awaitStatus(id, "QUEUED");
        assertThat(waiting.get("attempt").asInt()).isEqualTo(1);
        assertThat(waiting.get("error").get("code").asString()).isEqualTo("worker_crashed");

        SimulatedWorker.Received retry = worker.awaitJob(id);
        assertThat(retry.job().attempt()).as("the API publishes the next attempt itself").isEqualTo(2);
        assertThat(retry.job().inputKey()).isEqualTo(jdbc.sql("select input_key from jobs where id = :id")
                .param("id", id).query(String.class).single());
        worker.publish(started(id, 2, 1));
        JsonNode second = awaitStatus(id, "RUNNING");
        assertThat(second.get("attempt").asInt()).isEqualTo(2);
        ArtifactRef out = worker.writeArtifact(id, 2, "model.onnx", randomBytes(10, 4), "application/octet-stream");
        worker.publish(new JobEvent.Succeeded(id, 2, 2, Instant.now(), List.of(out),
                SimulatedWorker.report("int4", "00", out.sha256())));
        JsonNode done = awaitStatus(id, "SUCCEEDED");
        assertThat(done.get("error").isNull()).isTrue();
    }

    @Test
    void retryableFailuresStopAtTheAttemptLimitAndTheJobFails() throws Exception {
        UUID id = submit();
        for (int attempt = 1; attempt <= Topology.JOB_ATTEMPT_LIMIT; attempt++) {
            assertThat(worker.awaitJob(id).job().attempt()).isEqualTo(attempt);
            worker.publish(started(id, attempt, 1));
            // retryable every time, as a worker that does not count attempts would report it
            worker.publish(new JobEvent.Failed(id, attempt, 2, Instant.now(), "internal_error", "disk full", true));
            if (attempt < Topology.JOB_ATTEMPT_LIMIT) {
                awaitStatus(id, "QUEUED");
            }
        }

        JsonNode failed = awaitStatus(id, "FAILED");
        assertThat(failed.get("attempt").asInt()).isEqualTo(Topology.JOB_ATTEMPT_LIMIT);
        assertThat(failed.get("error").get("code").asString()).isEqualTo("internal_error");
        assertThat(failed.get("error").get("message").asString()).isEqualTo("disk full (attempt %d of %d: giving up)"
                .formatted(Topology.JOB_ATTEMPT_LIMIT, Topology.JOB_ATTEMPT_LIMIT));
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("select count(*) from outbox where published_at is null")
                .query(Long.class).single() == 0);
        assertThat(worker.poll(500)).as("no attempt after the last").isNull();
    }

    @Test
    void attemptWhoseWorkerWasLostIsRetriedOnceHoweverOftenItIsReportedAndEndsAsPoisonAtTheLimit() throws Exception {
        UUID id = submit();
        worker.awaitJob(id);
        worker.publish(started(id, 1, 1));
        awaitStatus(id, "RUNNING");
        JobEvent.Failed lost = new JobEvent.Failed(id, 1, JobEvent.ABANDONED_SEQUENCE, Instant.now(),
                JobEvent.WORKER_LOST, "attempt 1 stopped without a result", true);
        // every redelivery of attempt 1 reports the same event
        worker.publish(lost);
        worker.publish(lost);
        assertThat(worker.awaitJob(id).job().attempt()).isEqualTo(2);
        for (int attempt = 2; attempt <= Topology.JOB_ATTEMPT_LIMIT; attempt++) {
            if (attempt > 2) {
                assertThat(worker.awaitJob(id).job().attempt()).isEqualTo(attempt);
            }
            worker.publish(started(id, attempt, 1));
            worker.publish(new JobEvent.Failed(id, attempt, JobEvent.ABANDONED_SEQUENCE, Instant.now(),
                    JobEvent.WORKER_LOST, "attempt %d stopped without a result".formatted(attempt), true));
        }

        JsonNode failed = awaitStatus(id, "FAILED");
        assertThat(failed.get("error").get("code").asString()).isEqualTo("poison_message");
        assertThat(countEvents(id)).isEqualTo(2L * Topology.JOB_ATTEMPT_LIMIT);
        assertThat(worker.poll(500)).as("no attempt after the last").isNull();
    }

    @Test
    void eventsPublishedWhileTheApiIsNotConsumingLandWhenItIsBack() throws Exception {
        UUID id = submit();
        worker.awaitJob(id);
        MessageListenerContainer intake = listeners.getListenerContainer("job-events");
        intake.stop();
        try {
            worker.publish(started(id, 1, 1));
            ArtifactRef out = worker.writeArtifact(id, 1, "model.onnx", randomBytes(10, 4), "application/octet-stream");
            worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(out),
                    SimulatedWorker.report("int4", "00", out.sha256())));
            assertThat(api.get("/api/v1/jobs/" + id).json().get("status").asString()).isEqualTo("QUEUED");
        } finally {
            intake.start();
        }
        assertThat(awaitStatus(id, "SUCCEEDED").get("attempt").asInt()).isEqualTo(1);
    }

    private UUID submit() {
        ApiClient.Response response = api.submit(randomBytes(1000, 9), "model.onnx", REQUEST, null);
        assertThat(response.status()).isEqualTo(202);
        return UUID.fromString(response.json().get("id").asString());
    }

    private long countEvents(UUID id) {
        return jdbc.sql("select count(*) from job_events where job_id = :id").param("id", id).query(Long.class).single();
    }

    private JsonNode awaitStatus(UUID id, String status) {
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> api.get("/api/v1/jobs/" + id).json(), job -> job.get("status").asString().equals(status));
    }

    static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
