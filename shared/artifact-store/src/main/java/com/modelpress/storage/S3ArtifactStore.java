package com.modelpress.storage;

import com.modelpress.files.Sha256;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Artifacts as objects in an S3 bucket (AWS S3, MinIO or any S3-compatible service), under
 * {@code <prefix><key>}.
 *
 * <p>Uploads stream: the content is read one part at a time into a buffer of at most
 * {@link S3StoreSettings#partSizeBytes()} bytes; content that fits in one part is sent with one {@code PutObject},
 * longer content as a multipart upload, which is aborted when anything fails (including the size limit), so a reader
 * never sees a partial artifact. Each request carries a {@code Content-MD5} that the service checks. The SHA-256 is
 * computed on the way and kept beside the object in {@code <key>.sha256}, as the filesystem store does, together with
 * the size and ETag of the object it describes: {@link #stat} trusts it only when these still match the object, and
 * otherwise computes the digest again from the content (as the filesystem store does when its digest file is
 * missing) and records it.
 *
 * <p>Reads are ranged {@code GetObject} requests streamed from the service. Errors of the service become
 * {@link ArtifactStorageException}s naming the bucket and key; a missing object is a {@link NoSuchFileException}.
 *
 * <p>Thread-safe. {@link #close} closes the S3 client.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {

    /** S3's smallest part of a multipart upload (the last part excepted): 5 MiB. */
    public static final int MIN_PART_SIZE = 5 << 20;
    /** S3's largest number of parts in one multipart upload. */
    public static final int MAX_PARTS = 10_000;

    static final String DIGEST_SUFFIX = ".sha256";
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final int FIRST_BUFFER = 1 << 16;
    private static final int DELETE_BATCH = 1000;
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int partSize;
    private final String location;

    /** A store with its own S3 client built from {@code settings}; no request is sent until the first use. */
    public S3ArtifactStore(S3StoreSettings settings) {
        this(client(settings), settings);
    }

    /** A store on a client the caller configured; {@link #close} closes it. */
    public S3ArtifactStore(S3Client s3, S3StoreSettings settings) {
        this.s3 = s3;
        this.bucket = settings.bucket();
        this.prefix = settings.prefix();
        this.partSize = settings.partSizeBytes();
        this.location = settings.endpoint() != null ? settings.endpoint().toString() : "AWS S3 in " + settings.region();
    }

    /**
     * The synchronous S3 client over the JDK's {@code HttpURLConnection}. Checksums are only sent where the S3 API
     * requires them, and then as {@code Content-MD5}: S3-compatible services differ in their support of the SDK's
     * newer default (CRC32 trailers), and every upload of this store carries a {@code Content-MD5} anyway.
     */
    public static S3Client client(S3StoreSettings settings) {
        AwsCredentialsProvider credentials = settings.hasStaticCredentials()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2)))
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyleAccess())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create());
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder.build();
    }

    public String bucket() {
        return bucket;
    }

    /** The key prefix, empty or ending with {@code /}. */
    public String prefix() {
        return prefix;
    }

    @Override
    public StoredArtifact put(String key, InputStream content, long maxBytes) throws IOException {
        checkArtifactKey(key);
        MessageDigest sha256 = Sha256.digest();
        PartReader reader = new PartReader(key, content, maxBytes, sha256, partSize);
        int length = reader.fill();
        String etag = length < partSize ? putWhole(key, reader.buffer(), length) : putInParts(key, reader, length);
        Digest digest = new Digest(Sha256.hex(sha256), reader.total(), etag);
        writeDigest(key, digest);
        return new StoredArtifact(key, digest.size(), digest.sha256());
    }

    @Override
    public Optional<StoredArtifact> stat(String key) throws IOException {
        checkArtifactKey(key);
        Optional<Digest> recorded = readDigest(key);    // fails when the bucket is missing
        Optional<HeadObjectResponse> head = head(key, true);
        if (head.isEmpty()) {
            return Optional.empty();
        }
        if (recorded.isPresent() && recorded.get().describes(head.get().eTag(), head.get().contentLength())) {
            return Optional.of(new StoredArtifact(key, recorded.get().size(), recorded.get().sha256()));
        }
        try {
            return Optional.of(recordDigest(key));
        } catch (NoSuchFileException deletedMeanwhile) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        checkArtifactKey(key);
        if (offset < 0 || length < 0 || length > Long.MAX_VALUE - offset) {
            throw new IllegalArgumentException("invalid range %d+%d of artifact '%s'".formatted(offset, length, key));
        }
        if (length == 0) {
            long size = head(key, false).orElseThrow(() -> new NoSuchFileException(key)).contentLength();
            if (offset > size) {
                throw outside(key, offset, length, size);
            }
            return InputStream.nullInputStream();
        }
        String range = "bytes=%d-%d".formatted(offset, offset + length - 1);
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = s3.getObject(b -> b.bucket(bucket).key(objectKey(key)).range(range));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                throw outside(key, offset, length, -1);
            }
            throw translate("GetObject", key, e);
        } catch (SdkException e) {
            throw translate("GetObject", key, e);
        }
        Long served = in.response().contentLength();
        if (served == null || served != length) {
            in.abort();
            in.close();
            throw outside(key, offset, length, totalOf(in.response().contentRange()));
        }
        return new RangeStream(in, length);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        ArtifactStore.checkKey(prefix);
        List<String> keys = new ArrayList<>();
        for (S3Object object : objectsUnder(prefix)) {
            String key = object.key().substring(this.prefix.length());
            if (!key.endsWith(DIGEST_SUFFIX)) {
                keys.add(key);
            }
        }
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    @Override
    public void deleteAll(String prefix) throws IOException {
        ArtifactStore.checkKey(prefix);
        List<String> objects = new ArrayList<>();
        for (S3Object object : objectsUnder(prefix)) {
            objects.add(object.key());
        }
        // a key equal to the prefix is deleted too, as the filesystem store deletes a file named like the folder
        objects.add(objectKey(prefix));
        objects.add(objectKey(prefix) + DIGEST_SUFFIX);
        for (int from = 0; from < objects.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = objects.subList(from, Math.min(objects.size(), from + DELETE_BATCH)).stream()
                    .map(object -> ObjectIdentifier.builder().key(object).build())
                    .toList();
            DeleteObjectsResponse response = call("DeleteObjects", prefix + "/",
                    () -> s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(batch).quiet(true))));
            if (response.hasErrors() && !response.errors().isEmpty()) {
                throw new ArtifactStorageException("could not delete %d of the objects under s3://%s/%s/, e.g. %s: %s %s"
                        .formatted(response.errors().size(), bucket, objectKey(prefix), response.errors().getFirst().key(),
                                response.errors().getFirst().code(), response.errors().getFirst().message()), null);
            }
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3ArtifactStore[s3://%s/%s at %s]".formatted(bucket, prefix, location);
    }

    private String putWhole(String key, byte[] buffer, int length) throws IOException {
        return call("PutObject", key, () -> s3.putObject(
                b -> b.bucket(bucket).key(objectKey(key)).contentType(OCTET_STREAM).contentLength((long) length)
                        .contentMD5(md5(buffer, length)),
                body(buffer, length))).eTag();
    }

    private String putInParts(String key, PartReader reader, int firstLength) throws IOException {
        String object = objectKey(key);
        String uploadId = call("CreateMultipartUpload", key,
                () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(object).contentType(OCTET_STREAM))).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (int length = firstLength, number = 1; length > 0; length = reader.fill(), number++) {
                if (number > MAX_PARTS) {
                    throw new ArtifactStorageException(("artifact '%s' needs more than %d parts of %d bytes: raise the "
                            + "S3 part size").formatted(key, MAX_PARTS, partSize), null);
                }
                int partNumber = number;
                int partLength = length;
                byte[] buffer = reader.buffer();
                String etag = call("UploadPart", key, () -> s3.uploadPart(
                        b -> b.bucket(bucket).key(object).uploadId(uploadId).partNumber(partNumber)
                                .contentLength((long) partLength).contentMD5(md5(buffer, partLength)),
                        body(buffer, partLength))).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            return call("CompleteMultipartUpload", key, () -> s3.completeMultipartUpload(
                    b -> b.bucket(bucket).key(object).uploadId(uploadId).multipartUpload(m -> m.parts(parts)))).eTag();
        } catch (IOException | RuntimeException | Error e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(object).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(translate("AbortMultipartUpload", key, abortFailed));
            }
            throw e;
        }
    }

    /** Reads the whole object to compute its digest, and records it. */
    private StoredArtifact recordDigest(String key) throws IOException {
        MessageDigest sha256 = Sha256.digest();
        long size = 0;
        String etag;
        try (ResponseInputStream<GetObjectResponse> in = get(key)) {
            etag = in.response().eTag();
            byte[] buffer = new byte[FIRST_BUFFER];
            for (int read; (read = in.read(buffer)) >= 0; ) {
                sha256.update(buffer, 0, read);
                size += read;
            }
        }
        Digest digest = new Digest(Sha256.hex(sha256), size, etag);
        writeDigest(key, digest);
        return new StoredArtifact(key, size, digest.sha256());
    }

    private void writeDigest(String key, Digest digest) throws IOException {
        byte[] line = digest.format().getBytes(StandardCharsets.US_ASCII);
        call("PutObject", key + DIGEST_SUFFIX, () -> s3.putObject(
                b -> b.bucket(bucket).key(objectKey(key) + DIGEST_SUFFIX).contentType("text/plain")
                        .contentLength((long) line.length).contentMD5(md5(line, line.length)),
                body(line, line.length)));
    }

    private Optional<Digest> readDigest(String key) throws IOException {
        try {
            return Digest.parse(s3.getObjectAsBytes(b -> b.bucket(bucket).key(objectKey(key) + DIGEST_SUFFIX)).asUtf8String());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw translate("GetObject", key + DIGEST_SUFFIX, e);
        }
    }

    /**
     * @param bucketExists whether an earlier request of the caller proved that the bucket exists: a HEAD response
     *                     has no body, so a 404 does not say whether the object or the bucket is missing
     */
    private Optional<HeadObjectResponse> head(String key, boolean bucketExists) throws IOException {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(bucket).key(objectKey(key))));
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && (bucketExists || bucketExists())) {
                return Optional.empty();
            }
            throw translate("HeadObject", key, e);
        } catch (SdkException e) {
            throw translate("HeadObject", key, e);
        }
    }

    private boolean bucketExists() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
            return true;
        } catch (NoSuchBucketException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw translate("HeadBucket", null, e);
        } catch (SdkException e) {
            throw translate("HeadBucket", null, e);
        }
    }

    private ResponseInputStream<GetObjectResponse> get(String key) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(objectKey(key)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (SdkException e) {
            throw translate("GetObject", key, e);
        }
    }

    private List<S3Object> objectsUnder(String prefix) throws IOException {
        return call("ListObjectsV2", prefix + "/", () -> s3.listObjectsV2Paginator(
                b -> b.bucket(bucket).prefix(objectKey(prefix) + "/")).contents().stream().toList());
    }

    private <T> T call(String operation, String key, Supplier<T> request) throws IOException {
        try {
            return request.get();
        } catch (SdkException e) {
            throw translate(operation, key, e);
        }
    }

    /** The service's error as an exception that names the bucket and key and says what to check. */
    private ArtifactStorageException translate(String operation, String key, SdkException e) {
        String target = key == null ? "s3://%s".formatted(bucket) : "s3://%s/%s".formatted(bucket, objectKey(key));
        if (!(e instanceof S3Exception failure)) {
            return new ArtifactStorageException("%s of %s failed: no answer from %s: %s"
                    .formatted(operation, target, location, e.getMessage()), e);
        }
        String code = failure.awsErrorDetails() == null ? null : failure.awsErrorDetails().errorCode();
        String message = failure.awsErrorDetails() == null || failure.awsErrorDetails().errorMessage() == null
                ? failure.getMessage() : failure.awsErrorDetails().errorMessage();
        if (failure instanceof NoSuchBucketException || "NoSuchBucket".equals(code)
                || (operation.equals("HeadObject") && failure.statusCode() == 404)) {
            return new ArtifactStorageException(("S3 bucket '%s' does not exist at %s (%s of %s): create it or "
                    + "correct the configured bucket").formatted(bucket, location, operation, target), e);
        }
        if (failure.statusCode() == 403) {
            return new ArtifactStorageException(("access denied to %s at %s (%s, %s: %s): check the credentials and "
                    + "that their policy allows s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the "
                    + "bucket").formatted(target, location, operation, code, message), e);
        }
        return new ArtifactStorageException("%s of %s at %s failed: HTTP %d %s: %s"
                .formatted(operation, target, location, failure.statusCode(), code, message), e);
    }

    private String objectKey(String key) {
        return prefix + key;
    }

    private static void checkArtifactKey(String key) {
        ArtifactStore.checkKey(key);
        if (key.endsWith(DIGEST_SUFFIX)) {
            throw new IllegalArgumentException("artifact keys may not end with " + DIGEST_SUFFIX);
        }
    }

    private static IllegalArgumentException outside(String key, long offset, long length, long size) {
        return new IllegalArgumentException("range %d+%d is outside artifact '%s'%s"
                .formatted(offset, length, key, size < 0 ? "" : " of %d bytes".formatted(size)));
    }

    /** The total of a {@code Content-Range: bytes a-b/total} header, or -1. */
    private static long totalOf(String contentRange) {
        if (contentRange == null || contentRange.indexOf('/') < 0) {
            return -1;
        }
        try {
            return Long.parseLong(contentRange.substring(contentRange.indexOf('/') + 1).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static RequestBody body(byte[] buffer, int length) {
        // a fresh stream over the same bytes for each attempt, so that the SDK can retry
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length, OCTET_STREAM);
    }

    private static String md5(byte[] buffer, int length) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(buffer, 0, length);
            return Base64.getEncoder().encodeToString(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has MD5", e);
        }
    }

    /** What {@code <key>.sha256} holds: the digest and the size and ETag of the object it was computed from. */
    record Digest(String sha256, long size, String etag) {

        static Optional<Digest> parse(String line) {
            String[] fields = line.strip().split(" ");
            if (fields.length != 3 || !SHA256_HEX.matcher(fields[0]).matches() || !fields[1].matches("[0-9]{1,19}")) {
                return Optional.empty();
            }
            return Optional.of(new Digest(fields[0], Long.parseLong(fields[1]), fields[2]));
        }

        String format() {
            return "%s %d %s\n".formatted(sha256, size, unquoted(etag));
        }

        boolean describes(String objectEtag, Long objectSize) {
            return objectSize != null && objectSize == size && unquoted(objectEtag).equals(unquoted(etag));
        }

        private static String unquoted(String etag) {
            return etag == null ? "" : etag.replace("\"", "").strip();
        }
    }

    /**
     * Reads a stream one part at a time into a buffer that grows to the part size, digesting and counting on the
     * way. Not thread-safe.
     */
    private static final class PartReader {
        private final String key;
        private final InputStream in;
        private final long maxBytes;
        private final MessageDigest digest;
        private final int partSize;
        private byte[] buffer;
        private long total;

        PartReader(String key, InputStream in, long maxBytes, MessageDigest digest, int partSize) {
            this.key = key;
            this.in = in;
            this.maxBytes = maxBytes;
            this.digest = digest;
            this.partSize = partSize;
            this.buffer = new byte[Math.min(FIRST_BUFFER, partSize)];
        }

        /**
         * Reads the next part into {@link #buffer()}.
         *
         * @return its length: {@code partSize} unless the stream ended; 0 at the end
         * @throws ArtifactTooLargeException when the stream is longer than {@code maxBytes}
         */
        int fill() throws IOException {
            int length = 0;
            while (length < partSize) {
                if (length == buffer.length) {
                    buffer = java.util.Arrays.copyOf(buffer, (int) Math.min(partSize, 2L * buffer.length));
                }
                int read = in.read(buffer, length, buffer.length - length);
                if (read < 0) {
                    break;
                }
                total += read;
                if (total > maxBytes) {
                    throw new ArtifactTooLargeException(key, maxBytes);
                }
                digest.update(buffer, length, read);
                length += read;
            }
            return length;
        }

        byte[] buffer() {
            return buffer;
        }

        long total() {
            return total;
        }
    }

    /** The body of a ranged {@code GetObject}; abandons the connection when closed before the end. */
    private static final class RangeStream extends BoundedInputStream {
        private final ResponseInputStream<GetObjectResponse> in;

        RangeStream(ResponseInputStream<GetObjectResponse> in, long remaining) {
            super(in, remaining);
            this.in = in;
        }

        @Override
        public void close() throws IOException {
            if (remaining > 0) {
                in.abort();
            }
            in.close();
        }
    }
}
