package com.modelpress.api.artifact;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15, item 9: anyone who can publish to the broker can forge a worker's event. A Succeeded event that links
 * another job's upload as this job's artifact, or an object whose digest is not the one claimed, changes nothing: the
 * job does not succeed and serves no foreign bytes. The genuine event afterwards is applied.
 */
class ForgedArtifactIntegrationTest extends ApiIntegrationTest {

    @Test
    void anEventLinkingAnotherJobsObjectOrAWrongDigestChangesNothing() throws Exception {
        UUID victim = submit("victim's model".getBytes(StandardCharsets.UTF_8));
        UUID mine = submit("attacker's model".getBytes(StandardCharsets.UTF_8));
        worker.awaitJob(victim);
        worker.awaitJob(mine);
        worker.publish(SimulatedWorker.started(mine, 1, 1));
        awaitStatus(mine, "RUNNING");

        String victimsUpload = store.list("jobs/" + victim + "/input").getFirst();
        var stolen = store.stat(victimsUpload).orElseThrow();
        ArtifactRef foreign = new ArtifactRef("model.onnx", victimsUpload, stolen.sizeBytes(), stolen.sha256(),
                "application/octet-stream");
        worker.publish(succeeded(mine, 2, foreign));

        ArtifactRef genuine = worker.writeArtifact(mine, 1, "model.onnx", "compressed".getBytes(StandardCharsets.UTF_8),
                "application/octet-stream");
        ArtifactRef wrongDigest = new ArtifactRef(genuine.name(), genuine.key(), genuine.sizeBytes(), "0".repeat(64),
                genuine.contentType());
        worker.publish(succeeded(mine, 3, wrongDigest));
        // a marker after the forged events: once it is applied, they were consumed (in order) and refused
        worker.publish(new JobEvent.Heartbeat(mine, 1, 4, Instant.now()));
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql(
                "select count(*) from job_events where job_id = :id and sequence = 4").param("id", mine)
                .query(Long.class).single() == 1);
        assertThat(api.get("/api/v1/jobs/" + mine).json().get("status").asString()).isEqualTo("RUNNING");
        assertThat(api.get("/api/v1/jobs/" + mine + "/artifacts").json()).isEmpty();

        worker.publish(succeeded(mine, 5, genuine));
        awaitStatus(mine, "SUCCEEDED");
        ApiClient.Response download = api.get("/api/v1/jobs/" + mine + "/artifacts/model.onnx");
        assertThat(download.text()).isEqualTo("compressed");
    }

    private static JobEvent.Succeeded succeeded(UUID job, long sequence, ArtifactRef artifact) {
        return new JobEvent.Succeeded(job, 1, sequence, Instant.now(), List.of(artifact),
                SimulatedWorker.report("fp16", "00", artifact.sha256()));
    }

    private UUID submit(byte[] model) {
        ApiClient.Response response = api.submit(model, "model.onnx", "{\"method\":\"fp16\"}", null);
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        return UUID.fromString(response.json().get("id").asString());
    }

    private JsonNode awaitStatus(UUID id, String status) {
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> api.get("/api/v1/jobs/" + id).json(), job -> job.get("status").asString().equals(status));
    }
}
