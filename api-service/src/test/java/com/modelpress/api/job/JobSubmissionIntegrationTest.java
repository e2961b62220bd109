package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.contracts.job.Topology;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static com.modelpress.api.job.JobLifecycleIntegrationTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

class JobSubmissionIntegrationTest extends ApiIntegrationTest {

    private static final String REQUEST = "{\"method\":\"int8\",\"evaluation\":{\"samples\":16}}";

    @Test
    void sameIdempotencyKeyAndBodyGiveTheSameJobAndOneMessage() throws Exception {
        byte[] model = randomBytes(2000, 1);
        ApiClient.Response first = api.submit(model, "model.onnx", REQUEST, "pipeline-42");
        assertThat(first.status()).isEqualTo(202);
        // the same request written differently is the same body
        ApiClient.Response replay = api.submit(model, "model.onnx",
                "{ \"evaluation\": {\"samples\": 16}, \"method\": \"int8\" }", "pipeline-42");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.json().get("id")).isEqualTo(first.json().get("id"));
        assertThat(replay.header(HttpHeaders.LOCATION)).isEqualTo(first.header(HttpHeaders.LOCATION));

        UUID id = UUID.fromString(first.json().get("id").asString());
        worker.awaitJob(id);
        assertThat(worker.poll(300)).isNull();
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isEqualTo(1);
        // the replay's upload is not kept
        assertThat(store.list("jobs")).containsExactly("jobs/%s/input/model.onnx".formatted(id));
    }

    @Test
    void sameIdempotencyKeyWithAnotherRequestOrModelIsRefused() {
        byte[] model = randomBytes(2000, 1);
        assertThat(api.submit(model, "model.onnx", REQUEST, "key-1").status()).isEqualTo(202);

        ApiClient.Response otherRequest = api.submit(model, "model.onnx", "{\"method\":\"fp16\"}", "key-1");
        assertThat(otherRequest.status()).isEqualTo(422);
        assertThat(otherRequest.json().get("code").asString()).isEqualTo("idempotency_key_reused");

        ApiClient.Response otherModel = api.submit(randomBytes(2000, 2), "model.onnx", REQUEST, "key-1");
        assertThat(otherModel.status()).isEqualTo(422);
        assertThat(otherModel.json().get("code").asString()).isEqualTo("idempotency_key_reused");

        assertThat(api.submit(model, "model.onnx", REQUEST, "key-2").status()).isEqualTo(202);
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isEqualTo(2);
    }

    @Test
    void listPagesThroughJobsOldestFirstWithACursorAndFiltersByStatus() {
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            submitted.add(api.submit(randomBytes(100, i), "m.onnx", REQUEST, null).json().get("id").asString());
        }
        assertThat(api.post("/api/v1/jobs/" + submitted.get(1) + "/cancel").status()).isEqualTo(200);

        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            JsonNode page = api.get("/api/v1/jobs?limit=2" + (after == null ? "" : "&after=" + after)).json();
            page.get("items").forEach(job -> seen.add(job.get("id").asString()));
            after = page.get("next").isNull() ? null : page.get("next").asString();
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).isEqualTo(submitted);

        JsonNode queued = api.get("/api/v1/jobs?status=queued&limit=10").json();
        assertThat(queued.get("items").valueStream().map(job -> job.get("id").asString()).toList())
                .containsExactly(submitted.get(0), submitted.get(2), submitted.get(3), submitted.get(4));
        assertThat(queued.get("next").isNull()).isTrue();
        JsonNode cancelled = api.get("/api/v1/jobs?status=CANCELLED").json();
        assertThat(cancelled.get("items")).hasSize(1);
    }

    @Test
    void jobMessageCarriesTheRequestWithItsDefaults() {
        ApiClient.Response submitted = api.submit(randomBytes(10, 3), "bundle.zip",
                "{\"method\":\"int4\",\"options\":{\"blockSize\":128,\"symmetric\":true}}", null);
        assertThat(submitted.status()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());
        var received = worker.awaitJob(id);
        assertThat(received.properties().getContentType()).isEqualTo("application/json");
        assertThat(received.properties().getReceivedExchange()).isEqualTo(Topology.JOBS_EXCHANGE);
        assertThat(received.job().inputName()).isEqualTo("bundle.zip");
        assertThat(received.job().request().options().blockSize()).isEqualTo(128);
        assertThat(received.job().request().options().symmetric()).isTrue();
        assertThat(received.job().request().evaluation().samplesOrDefault()).isEqualTo(8);
    }

    @Test
    void calibrationSamplesAreStoredAndTheirKeyTravelsWithTheJob() throws Exception {
        byte[] samples = randomBytes(2000, 9);
        ApiClient.Response submitted = api.submit(randomBytes(10, 3), "model.onnx", "{\"method\":\"int4\"}", "calib-1",
                samples, "samples.zip");
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());
        var received = worker.awaitJob(id);
        assertThat(received.job().calibrationKey()).isEqualTo("jobs/" + id + "/input/calibration/samples.zip");
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(samples));
        assertThat(received.job().calibrationSha256()).isEqualTo(sha);

        // other calibration samples under the same key are another request
        ApiClient.Response other = api.submit(randomBytes(10, 3), "model.onnx", "{\"method\":\"int4\"}", "calib-1",
                randomBytes(2000, 10), "samples.zip");
        assertThat(other.status()).isEqualTo(422);
        ApiClient.Response notAnArchive = api.submit(randomBytes(10, 3), "model.onnx", "{\"method\":\"int4\"}", null,
                samples, "samples.npy");
        assertThat(notAnArchive.status()).isEqualTo(422);
        assertThat(notAnArchive.json().get("code").asString()).isEqualTo("invalid_model_file");
    }
}
