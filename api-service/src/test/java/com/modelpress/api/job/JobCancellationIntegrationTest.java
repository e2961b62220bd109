package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static com.modelpress.api.job.JobLifecycleIntegrationTest.randomBytes;
import static com.modelpress.api.support.SimulatedWorker.started;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class JobCancellationIntegrationTest extends ApiIntegrationTest {

    @Test
    void queuedJobIsCancelledAtOnceAndCancelIsIdempotent() {
        UUID id = submit();
        ApiClient.Response cancelled = api.post("/api/v1/jobs/" + id + "/cancel");
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asString()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("timestamps").get("cancelRequestedAt").isNull()).isFalse();
        assertThat(cancelled.json().get("timestamps").get("finishedAt").isNull()).isFalse();

        ApiClient.Response again = api.post("/api/v1/jobs/" + id + "/cancel");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(cancelled.json());
    }

    @Test
    void workerThatStartsACancelledJobIsToldToStop() {
        UUID id = submit();
        worker.awaitJob(id);
        assertThat(api.post("/api/v1/jobs/" + id + "/cancel").status()).isEqualTo(200);

        worker.publish(started(id, 1, 1));
        assertThat(worker.awaitCancel(id).jobId()).isEqualTo(id);
        assertThat(api.get("/api/v1/jobs/" + id).json().get("status").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void runningJobBecomesCancellingThenCancelledWhenItsWorkerStops() {
        UUID id = submit();
        worker.awaitJob(id);
        worker.publish(started(id, 1, 1));
        awaitStatus(id, "RUNNING");

        ApiClient.Response cancelling = api.post("/api/v1/jobs/" + id + "/cancel");
        assertThat(cancelling.status()).isEqualTo(202);
        assertThat(cancelling.json().get("status").asString()).isEqualTo("CANCELLING");
        assertThat(worker.awaitCancel(id).jobId()).isEqualTo(id);

        ApiClient.Response repeated = api.post("/api/v1/jobs/" + id + "/cancel");
        assertThat(repeated.status()).isEqualTo(202);
        assertThat(repeated.json().get("status").asString()).isEqualTo("CANCELLING");

        worker.publish(new JobEvent.Cancelled(id, 1, 2, Instant.now()));
        JsonNode cancelled = awaitStatus(id, "CANCELLED");
        assertThat(cancelled.get("timestamps").get("finishedAt").isNull()).isFalse();
        assertThat(countOutbox("CANCEL")).isEqualTo(1);
    }

    @Test
    void finishedJobCannotBeCancelled() throws Exception {
        UUID id = submit();
        worker.awaitJob(id);
        worker.publish(started(id, 1, 1));
        ArtifactRef out = worker.writeArtifact(id, 1, "model.onnx", randomBytes(10, 1), "application/octet-stream");
        worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(out),
                com.modelpress.api.support.SimulatedWorker.report("fp16", "00", out.sha256())));
        awaitStatus(id, "SUCCEEDED");

        ApiClient.Response refused = api.post("/api/v1/jobs/" + id + "/cancel");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(refused.json().get("code").asString()).isEqualTo("illegal_state");
        assertThat(refused.json().get("detail").asString()).contains("cannot be cancelled from SUCCEEDED");
    }

    private long countOutbox(String kind) {
        return jdbc.sql("select count(*) from outbox where kind = :kind").param("kind", kind).query(Long.class).single();
    }

    private UUID submit() {
        ApiClient.Response response = api.submit(randomBytes(1000, 5), "model.onnx", "{\"method\":\"fp16\"}", null);
        assertThat(response.status()).isEqualTo(202);
        return UUID.fromString(response.json().get("id").asString());
    }

    private JsonNode awaitStatus(UUID id, String status) {
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> api.get("/api/v1/jobs/" + id).json(), job -> job.get("status").asString().equals(status));
    }
}
