package com.modelpress.storage;

import com.modelpress.embedded.S3MockServer;
import com.modelpress.files.Sha256;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The S3 store against a real S3-compatible server (Adobe S3Mock in a child JVM), held to the filesystem store's
 * contract, plus what only S3 has: multipart uploads, the recorded digest beside each object, key prefixes and the
 * service's errors.
 */
class S3ArtifactStoreIntegrationTest {

    private static final String BUCKET = "artifact-store-it";
    private static final int PART = S3ArtifactStore.MIN_PART_SIZE;

    private static S3MockServer server;
    private static S3ArtifactStore store;
    private static S3Client raw;

    @BeforeAll
    static void startServer() {
        server = S3MockServer.shared();
        server.createBucket(BUCKET);
        store = new S3ArtifactStore(settings(BUCKET, "it"));
        raw = S3ArtifactStore.client(settings(BUCKET, ""));
    }

    @AfterAll
    static void closeClients() {
        store.close();
        raw.close();
    }

    @Test
    void storesStreamsWithDigestAndReadsRanges() throws IOException {
        String job = "jobs/" + UUID.randomUUID();
        byte[] content = randomBytes(200_000, 1);
        StoredArtifact stored = store.put(job + "/input/model.onnx", new ByteArrayInputStream(content), 1 << 20);

        assertThat(stored).isEqualTo(new StoredArtifact(job + "/input/model.onnx", content.length, Sha256.of(content)));
        assertThat(store.stat(job + "/input/model.onnx")).contains(stored);
        try (InputStream in = store.open(job + "/input/model.onnx", 1000, 50)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 1000, 1050));
        }
        try (InputStream in = store.open(job + "/input/model.onnx", 0, content.length)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        try (InputStream in = store.open(job + "/input/model.onnx", content.length, 0)) {
            assertThat(in.readAllBytes()).isEmpty();
        }
        store.put(job + "/attempt-1/report.json", new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)), 10);
        StoredArtifact empty = store.put(job + "/attempt-1/empty.bin", InputStream.nullInputStream(), 10);
        assertThat(empty.sizeBytes()).isZero();
        assertThat(empty.sha256()).isEqualTo(Sha256.of(new byte[0]));

        assertThat(store.list(job)).containsExactly(
                job + "/attempt-1/empty.bin", job + "/attempt-1/report.json", job + "/input/model.onnx");
        assertThat(store.list(job + "/attempt-1")).containsExactly(job + "/attempt-1/empty.bin", job + "/attempt-1/report.json");
        assertThat(store.list(job + "/input/model.onnx")).as("a file is no folder").isEmpty();
        // the prefix is part of every object's key, and the digest sits beside the object
        assertThat(raw.headObject(b -> b.bucket(BUCKET).key("it/" + job + "/input/model.onnx")).contentLength())
                .isEqualTo(content.length);
        assertThat(raw.getObjectAsBytes(b -> b.bucket(BUCKET).key("it/" + job + "/input/model.onnx.sha256"))
                .asUtf8String()).startsWith(stored.sha256() + " " + content.length + " ");

        store.deleteAll(job);
        assertThat(store.stat(job + "/input/model.onnx")).isEmpty();
        assertThat(store.list(job)).isEmpty();
        assertThat(raw.listObjectsV2(b -> b.bucket(BUCKET).prefix("it/" + job)).contents()).as("sidecars too").isEmpty();
        store.deleteAll(job);
    }

    @Test
    void largeArtifactsGoUpInPartsAndReadBackAcrossPartBoundaries() throws IOException {
        String key = "jobs/%s/attempt-1/model.onnx.data".formatted(UUID.randomUUID());
        long size = 2L * PART + 1_234_567;  // three parts: two full, one short
        StoredArtifact stored = store.put(key, new PatternStream(size, 7), size);

        assertThat(stored.sizeBytes()).isEqualTo(size);
        assertThat(stored.sha256()).isEqualTo(Sha256.of(new PatternStream(size, 7)));
        String etag = raw.headObject(b -> b.bucket(BUCKET).key("it/" + key)).eTag();
        assertThat(etag).as("the ETag of a multipart object ends with its part count").endsWith("-3\"");
        assertThat(raw.getObjectAsBytes(b -> b.bucket(BUCKET).key("it/" + key + ".sha256")).asUtf8String())
                .as("the recorded digest describes this very object, so stat need not read it again")
                .isEqualTo("%s %d %s\n".formatted(stored.sha256(), size, etag.replace("\"", "")));
        assertThat(store.stat(key)).contains(stored);

        long boundary = PART;
        try (InputStream in = store.open(key, boundary - 100, 200)) {
            assertThat(in.readAllBytes()).isEqualTo(PatternStream.bytes(boundary - 100, 200, 7));
        }
        try (InputStream in = store.open(key, size - 10, 10)) {
            assertThat(in.readAllBytes()).isEqualTo(PatternStream.bytes(size - 10, 10, 7));
        }
        try (InputStream in = store.open(key, 0, size)) {
            assertThat(Sha256.of(in)).isEqualTo(stored.sha256());
        }
        // abandoning a long read midway leaves the store usable
        try (InputStream in = store.open(key, 0, size)) {
            assertThat(in.readNBytes(10)).isEqualTo(PatternStream.bytes(0, 10, 7));
        }
        assertThat(store.stat(key)).contains(stored);
        assertThatThrownBy(() -> store.open(key, size - 10, 11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(key).hasMessageContaining("of " + size + " bytes");
        assertThatThrownBy(() -> store.open(key, size + 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exactlyOnePartIsAMultipartUploadOfOnePart() throws IOException {
        String key = "jobs/%s/attempt-1/model.onnx".formatted(UUID.randomUUID());
        StoredArtifact stored = store.put(key, new PatternStream(PART, 3), PART);
        assertThat(stored.sizeBytes()).isEqualTo(PART);
        assertThat(stored.sha256()).isEqualTo(Sha256.of(new PatternStream(PART, 3)));
        try (InputStream in = store.open(key, PART - 5, 5)) {
            assertThat(in.readAllBytes()).isEqualTo(PatternStream.bytes(PART - 5, 5, 3));
        }
    }

    @Test
    void refusesOversizeStreamsAndLeavesNothingNotEvenAnUnfinishedUpload() throws IOException {
        String job = "jobs/" + UUID.randomUUID();
        assertThatThrownBy(() -> store.put(job + "/small.bin", new ByteArrayInputStream(new byte[5000]), 4096))
                .isInstanceOf(ArtifactTooLargeException.class).hasMessageContaining(job + "/small.bin");
        long limit = 2L * PART + 10;
        assertThatThrownBy(() -> store.put(job + "/big.bin", new PatternStream(3L * PART, 1), limit))
                .isInstanceOf(ArtifactTooLargeException.class)
                .satisfies(e -> assertThat(((ArtifactTooLargeException) e).limitBytes()).isEqualTo(limit));

        assertThat(store.stat(job + "/small.bin")).isEmpty();
        assertThat(store.stat(job + "/big.bin")).isEmpty();
        assertThat(store.list(job)).isEmpty();
        assertThat(raw.listMultipartUploads(b -> b.bucket(BUCKET).prefix("it/" + job)).uploads())
                .as("the multipart upload was aborted").isEmpty();
    }

    @Test
    void refusesKeysThatAreNotArtifactKeys() throws IOException {
        for (String key : new String[]{"../x", "/etc/passwd", "jobs/../../x", "jobs//x", "jobs/x y", "", "jobs/x/",
                "jobs/a.sha256"}) {
            assertThatThrownBy(() -> store.put(key, new ByteArrayInputStream(new byte[1]), 10))
                    .as(key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.stat(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.list("../jobs")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.deleteAll("")).isInstanceOf(IllegalArgumentException.class);

        String missing = "jobs/%s/none".formatted(UUID.randomUUID());
        assertThat(store.stat(missing)).isEmpty();
        assertThatThrownBy(() -> store.open(missing, 0, 0)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.open(missing, 0, 10)).isInstanceOf(NoSuchFileException.class);
        assertThat(store.list(missing)).isEmpty();
    }

    @Test
    void aDigestThatNoLongerDescribesTheObjectIsComputedAgain() throws IOException {
        String key = "jobs/%s/input/model.onnx".formatted(UUID.randomUUID());
        store.put(key, new ByteArrayInputStream(randomBytes(1000, 4)), 1000);

        // replaced behind the store's back (another writer, or a crash between object and digest)
        byte[] replacement = randomBytes(1500, 5);
        raw.putObject(b -> b.bucket(BUCKET).key("it/" + key), RequestBody.fromBytes(replacement));
        assertThat(store.stat(key)).contains(new StoredArtifact(key, replacement.length, Sha256.of(replacement)));
        assertThat(raw.getObjectAsBytes(b -> b.bucket(BUCKET).key("it/" + key + ".sha256")).asUtf8String())
                .as("recorded again").startsWith(Sha256.of(replacement) + " 1500 ");

        // a digest that cannot be read, or none at all
        raw.putObject(b -> b.bucket(BUCKET).key("it/" + key + ".sha256"), RequestBody.fromString("garbage"));
        assertThat(store.stat(key).orElseThrow().sha256()).isEqualTo(Sha256.of(replacement));
        raw.deleteObject(b -> b.bucket(BUCKET).key("it/" + key + ".sha256"));
        assertThat(store.stat(key).orElseThrow().sha256()).isEqualTo(Sha256.of(replacement));
    }

    @Test
    void storesWithOtherPrefixesDoNotSeeEachOther() throws IOException {
        String key = "jobs/%s/input/model.onnx".formatted(UUID.randomUUID());
        try (S3ArtifactStore tenantA = new S3ArtifactStore(settings(BUCKET, "tenant-a/"));
             S3ArtifactStore tenantB = new S3ArtifactStore(settings(BUCKET, "tenant-b"))) {
            tenantA.put(key, new ByteArrayInputStream(new byte[]{1, 2, 3}), 10);
            assertThat(tenantA.stat(key)).isPresent();
            assertThat(tenantB.stat(key)).isEmpty();
            assertThat(tenantA.list("jobs")).contains(key);
            assertThat(tenantB.list("jobs")).doesNotContain(key);
            assertThat(raw.headObject(b -> b.bucket(BUCKET).key("tenant-a/" + key)).contentLength()).isEqualTo(3);
            tenantB.deleteAll("jobs");
            assertThat(tenantA.stat(key)).isPresent();
            tenantA.deleteAll("jobs");
            assertThat(tenantA.stat(key)).isEmpty();
        }
    }

    @Test
    void aMissingBucketIsNamedInTheError() {
        try (S3ArtifactStore nowhere = new S3ArtifactStore(settings("no-such-bucket-here", ""))) {
            String key = "jobs/1/input/model.onnx";
            assertThatThrownBy(() -> nowhere.put(key, new ByteArrayInputStream(new byte[10]), 100))
                    .isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("S3 bucket 'no-such-bucket-here' does not exist")
                    .hasMessageContaining(server.endpoint().toString());
            assertThatThrownBy(() -> nowhere.stat(key)).isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("'no-such-bucket-here' does not exist");
            assertThatThrownBy(() -> nowhere.open(key, 0, 0)).isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("'no-such-bucket-here' does not exist");
            assertThatThrownBy(() -> nowhere.open(key, 0, 5)).isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("'no-such-bucket-here' does not exist");
            assertThatThrownBy(() -> nowhere.list("jobs")).isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("'no-such-bucket-here' does not exist");
        }
    }

    /** An endpoint that denies every request as S3 does when the credentials or the policy do not allow it. */
    @Test
    void deniedAccessNamesTheObjectAndWhatToCheck() throws IOException {
        HttpServer denying = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        denying.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>"""
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/xml");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(403, -1);
            } else {
                exchange.sendResponseHeaders(403, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        denying.start();
        URI endpoint = URI.create("http://127.0.0.1:" + denying.getAddress().getPort());
        try (S3ArtifactStore store = new S3ArtifactStore(new S3StoreSettings("locked", "p", endpoint, null, true,
                "id", "secret", PART))) {
            assertThatThrownBy(() -> store.put("jobs/1/x.bin", new ByteArrayInputStream(new byte[10]), 100))
                    .isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("access denied to s3://locked/p/jobs/1/x.bin")
                    .hasMessageContaining("check the credentials");
            assertThatThrownBy(() -> store.stat("jobs/1/x.bin")).isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("access denied to s3://locked/p/jobs/1/x.bin");
            assertThatThrownBy(() -> store.open("jobs/1/x.bin", 0, 4)).isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("access denied to s3://locked/p/jobs/1/x.bin");
        } finally {
            denying.stop(0);
        }
    }

    @Test
    void anEndpointThatDoesNotAnswerIsNamed() throws IOException {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + closedPort);
        try (S3ArtifactStore store = new S3ArtifactStore(new S3StoreSettings("b", null, endpoint, null, true,
                "id", "secret", PART))) {
            assertThatThrownBy(() -> store.stat("jobs/1/x.bin")).isInstanceOf(ArtifactStorageException.class)
                    .hasMessageContaining("s3://b/jobs/1/x.bin").hasMessageContaining("no answer from " + endpoint);
        }
    }

    private static S3StoreSettings settings(String bucket, String prefix) {
        return new S3StoreSettings(bucket, prefix, server.endpoint(), S3MockServer.REGION, true,
                S3MockServer.ACCESS_KEY, S3MockServer.SECRET_KEY, PART);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** {@code size} bytes computed from their position and a seed, so that no test holds a large artifact in memory. */
    private static final class PatternStream extends InputStream {
        private final long size;
        private final long seed;
        private long position;

        PatternStream(long size, long seed) {
            this.size = size;
            this.seed = seed;
        }

        static byte at(long position, long seed) {
            long x = (position + 1) * 0x9E3779B97F4A7C15L ^ seed * 0xBF58476D1CE4E5B9L;
            return (byte) (x ^ (x >>> 29) ^ (x >>> 47));
        }

        static byte[] bytes(long from, int length, long seed) {
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) {
                bytes[i] = at(from + i, seed);
            }
            return bytes;
        }

        @Override
        public int read() {
            return position < size ? at(position++, seed) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - position);
            for (int i = 0; i < n; i++) {
                b[off + i] = at(position++, seed);
            }
            return n;
        }
    }
}
