package com.modelpress.api.artifact;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.embedded.S3MockServer;
import com.modelpress.files.Sha256;
import com.modelpress.storage.S3ArtifactStore;
import com.modelpress.storage.S3StoreSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API with {@code modelpress.storage.type=s3} against a real S3-compatible server (Adobe S3Mock in a child JVM):
 * the upload lands in the bucket, the worker's artifacts (one larger than two parts) are written there, and
 * downloads through the API stream from it, whole and by range.
 *
 * <p>Runs in its own JVM (tag and surefire execution {@code s3-storage}): the other integration tests share one
 * context on the filesystem store, whose broker listeners would otherwise be running next to this context's.
 */
@Tag("s3-storage")
class S3StorageIntegrationTest extends ApiIntegrationTest {

    private static final String BUCKET = "api-it";
    private static final String PREFIX = "modelpress";
    private static final int PART = 5 << 20;
    private static final String REQUEST = """
            {"method":"int4","evaluation":{"samples":4,"seed":7}}""";

    private static S3Client raw;

    @DynamicPropertySource
    static void s3(DynamicPropertyRegistry registry) {
        S3MockServer server = S3MockServer.shared();
        server.createBucket(BUCKET);
        server.storageProperties(BUCKET, PREFIX).forEach((name, value) -> registry.add(name, () -> value));
        registry.add("modelpress.storage.s3.part-size", () -> "5MB");
        raw = S3ArtifactStore.client(new S3StoreSettings(BUCKET, null, server.endpoint(), S3MockServer.REGION, true,
                S3MockServer.ACCESS_KEY, S3MockServer.SECRET_KEY, PART));
    }

    @AfterAll
    static void closeClient() {
        raw.close();
    }

    @Test
    void uploadsAndArtifactsLiveInTheBucketAndDownloadWholeAndByRange() throws Exception {
        assertThat(store).isInstanceOf(S3ArtifactStore.class);
        byte[] model = randomBytes(300_000, 1);
        ApiClient.Response submitted = api.submit(model, "model.onnx", REQUEST, null);
        assertThat(submitted.status()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());

        JobMessage job = worker.awaitJob(id).job();
        assertThat(job.inputSha256()).isEqualTo(Sha256.of(model));
        assertThat(raw.headObject(b -> b.bucket(BUCKET).key(PREFIX + "/" + job.inputKey())).contentLength())
                .as("the upload is an object under the prefix").isEqualTo(model.length);
        assertThat(store.stat(job.inputKey()).orElseThrow().sha256()).isEqualTo(Sha256.of(model));

        worker.publish(SimulatedWorker.started(id, 1, 1));
        awaitStatus(id, "RUNNING");
        byte[] output = randomBytes(2 * PART + 777_777, 2);   // three parts
        ArtifactRef compressed = worker.writeArtifact(id, 1, "model.onnx", output, "application/octet-stream");
        ArtifactRef report = worker.writeArtifact(id, 1, "report.json", "{}".getBytes(), "application/json");
        assertThat(raw.headObject(b -> b.bucket(BUCKET).key(PREFIX + "/" + compressed.key())).eTag())
                .as("a multipart upload of three parts").endsWith("-3\"");
        worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(compressed, report),
                SimulatedWorker.report("int4", job.inputSha256(), compressed.sha256())));
        awaitStatus(id, "SUCCEEDED");

        JsonNode listed = api.get("/api/v1/jobs/" + id + "/artifacts").json().get(0);
        assertThat(listed.get("name").asString()).isEqualTo("model.onnx");
        assertThat(listed.get("sizeBytes").asLong()).isEqualTo(output.length);
        assertThat(listed.get("sha256").asString()).isEqualTo(Sha256.of(output));
        String href = listed.get("href").asString();

        ApiClient.Response full = api.get(href);
        assertThat(full.status()).isEqualTo(200);
        assertThat(full.headers().getContentLength()).isEqualTo(output.length);
        assertThat(Sha256.of(full.body())).isEqualTo(Sha256.of(output));
        assertThat(full.header(HttpHeaders.ETAG)).isEqualTo("\"" + Sha256.of(output) + "\"");
        String digest = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(output));
        assertThat(full.header("Repr-Digest")).isEqualTo("sha-256=:" + digest + ":");

        // across the boundary of the first and second part
        long from = PART - 100;
        long to = PART + 99;
        ApiClient.Response part = api.get(href, h -> h.set(HttpHeaders.RANGE, "bytes=%d-%d".formatted(from, to)));
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.header(HttpHeaders.CONTENT_RANGE)).isEqualTo("bytes %d-%d/%d".formatted(from, to, output.length));
        assertThat(part.headers().getContentLength()).isEqualTo(200);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(output, (int) from, (int) to + 1));
        assertThat(part.header(HttpHeaders.ETAG)).isEqualTo("\"" + Sha256.of(output) + "\"");
        assertThat(part.header("Repr-Digest")).isEqualTo("sha-256=:" + digest + ":");

        ApiClient.Response tail = api.get(href, h -> h.set(HttpHeaders.RANGE, "bytes=-10"));
        assertThat(tail.status()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(output, output.length - 10, output.length));
        assertThat(api.get(href, h -> h.set(HttpHeaders.RANGE, "bytes=" + output.length + "-")).status()).isEqualTo(416);

        // an object gone from the bucket is a 404, not a broken stream
        raw.deleteObject(b -> b.bucket(BUCKET).key(PREFIX + "/" + report.key()));
        ApiClient.Response gone = api.get("/api/v1/jobs/" + id + "/artifacts/report.json");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.text()).contains("missing from storage");
    }

    private void awaitStatus(UUID id, String status) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> api.get("/api/v1/jobs/" + id).json(), job -> job.get("status").asString().equals(status));
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
