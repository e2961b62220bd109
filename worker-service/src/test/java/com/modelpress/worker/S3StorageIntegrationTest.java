package com.modelpress.worker;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.embedded.S3MockServer;
import com.modelpress.files.Sha256;
import com.modelpress.storage.S3ArtifactStore;
import com.modelpress.storage.S3StoreSettings;
import com.modelpress.storage.StoredArtifact;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real job with {@code modelpress.storage.type=s3} against a real S3-compatible server (Adobe S3Mock in a child
 * JVM): the worker reads the input from the bucket and writes the compressed model and the report there.
 */
@SpringBootTest(classes = WorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {
                "modelpress.worker.progress-interval=1h",
                "modelpress.worker.heartbeat-interval=1h",
                "modelpress.worker.latency-runs=0",
                "modelpress.worker.evaluation-samples=2"})
class S3StorageIntegrationTest extends WorkerIntegrationTestSupport {

    private static final String BUCKET = "worker-it";
    private static final String PREFIX = "modelpress";

    private static S3Client raw;

    @DynamicPropertySource
    static void s3(DynamicPropertyRegistry registry) {
        S3MockServer server = S3MockServer.shared();
        server.createBucket(BUCKET);
        server.storageProperties(BUCKET, PREFIX).forEach((name, value) -> registry.add(name, () -> value));
        raw = S3ArtifactStore.client(new S3StoreSettings(BUCKET, null, server.endpoint(), S3MockServer.REGION, true,
                S3MockServer.ACCESS_KEY, S3MockServer.SECRET_KEY, S3StoreSettings.DEFAULT_PART_SIZE));
    }

    @AfterAll
    static void closeClient() {
        raw.close();
    }

    @Test
    void aJobReadsItsInputFromTheBucketAndWritesItsArtifactsThere() throws IOException {
        assertThat(store).isInstanceOf(S3ArtifactStore.class);
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "model.onnx", OnnxModels.matMul(64, 64, 1));

        submit(job(jobId, input, "model.onnx", "int8", 4));
        List<JobEvent> events = awaitTerminal(jobId);

        assertThat(events.getLast()).isInstanceOf(JobEvent.Succeeded.class);
        JobEvent.Succeeded succeeded = (JobEvent.Succeeded) events.getLast();
        assertThat(succeeded.artifacts()).extracting(ArtifactRef::name).containsExactly("model.onnx", "report.json");
        for (ArtifactRef artifact : succeeded.artifacts()) {
            // jobs/{id}/attempt-{n}/{run}/{name}: each run of an attempt writes under its own folder
            assertThat(artifact.key()).matches("jobs/%s/attempt-1/[^/]+/%s".formatted(jobId, artifact.name()));
            assertThat(raw.headObject(b -> b.bucket(BUCKET).key(PREFIX + "/" + artifact.key())).contentLength())
                    .as("object of %s", artifact.name()).isEqualTo(artifact.sizeBytes());
            try (InputStream in = store.open(artifact.key(), 0, artifact.sizeBytes())) {
                assertThat(Sha256.of(in)).as("SHA-256 of %s", artifact.name()).isEqualTo(artifact.sha256());
            }
        }
        assertThat(storedKeys(jobId, 1)).containsExactlyInAnyOrderElementsOf(
                succeeded.artifacts().stream().map(ArtifactRef::key).toList());
        FidelityReport report = succeeded.report();
        assertThat(report.inputSha256()).isEqualTo(input.sha256());
        assertThat(report.outputSha256()).isEqualTo(succeeded.artifacts().getFirst().sha256());
        ArtifactRef reportFile = succeeded.artifacts().getLast();
        try (InputStream in = store.open(reportFile.key(), 0, reportFile.sizeBytes())) {
            assertThat(json.readValue(in.readAllBytes(), FidelityReport.class).outputSha256())
                    .isEqualTo(report.outputSha256());
        }
        assertSettled(jobId);
    }
}
