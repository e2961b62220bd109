package com.modelpress.storage;

import java.net.URI;

/**
 * Where and how {@link S3ArtifactStore} stores artifacts.
 *
 * @param bucket          the bucket; required
 * @param prefix          prepended to every key ({@code "modelpress"} stores {@code jobs/1/x} as
 *                        {@code modelpress/jobs/1/x}); empty for none. Segments follow the artifact key rules; a
 *                        trailing {@code /} is ignored. Null means empty.
 * @param endpoint        the S3 API's base URI for MinIO or another S3-compatible service, e.g.
 *                        {@code http://minio:9000}; null for AWS's endpoint of {@code region}
 * @param region          the signing region; null means {@value #DEFAULT_REGION}
 * @param pathStyleAccess {@code http://host/bucket/key} instead of {@code http://bucket.host/key} (MinIO and most
 *                        S3-compatible services want this)
 * @param accessKeyId     static credentials, with {@code secretAccessKey}; both null to use the AWS SDK's default
 *                        credentials chain (environment, profile, web identity, container or instance role)
 * @param secretAccessKey see {@code accessKeyId}
 * @param partSizeBytes   bytes per part of a multipart upload, and the most an upload buffers in memory; at least
 *                        {@value S3ArtifactStore#MIN_PART_SIZE} (S3's minimum). An artifact may have at most
 *                        {@value S3ArtifactStore#MAX_PARTS} parts.
 */
public record S3StoreSettings(String bucket, String prefix, URI endpoint, String region, boolean pathStyleAccess,
                              String accessKeyId, String secretAccessKey, int partSizeBytes) {

    public static final String DEFAULT_REGION = "us-east-1";
    /** 8 MiB: artifacts up to 78 GiB, one 8 MiB buffer per upload in progress. */
    public static final int DEFAULT_PART_SIZE = 8 << 20;

    public S3StoreSettings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("an S3 artifact store needs a bucket");
        }
        bucket = bucket.strip();
        prefix = normalisePrefix(prefix);
        region = region == null || region.isBlank() ? DEFAULT_REGION : region.strip();
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
            throw new IllegalArgumentException("the S3 endpoint must be an http(s) URI such as http://minio:9000, not '%s'"
                    .formatted(endpoint));
        }
        accessKeyId = blankToNull(accessKeyId);
        secretAccessKey = blankToNull(secretAccessKey);
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("S3 credentials need both an access key id and a secret access key, "
                    + "or neither (then the AWS SDK's default credentials chain is used)");
        }
        if (partSizeBytes < S3ArtifactStore.MIN_PART_SIZE) {
            throw new IllegalArgumentException("the S3 part size must be at least %d bytes (5 MiB), was %d"
                    .formatted(S3ArtifactStore.MIN_PART_SIZE, partSizeBytes));
        }
    }

    /** Settings with the default region, no endpoint override, virtual-host style, the default credentials chain. */
    public static S3StoreSettings of(String bucket) {
        return new S3StoreSettings(bucket, null, null, null, false, null, null, DEFAULT_PART_SIZE);
    }

    /** Whether static credentials are configured. */
    public boolean hasStaticCredentials() {
        return accessKeyId != null;
    }

    @Override
    public String toString() {
        // never the secret
        return "S3StoreSettings[bucket=%s, prefix=%s, endpoint=%s, region=%s, pathStyleAccess=%s, accessKeyId=%s, partSizeBytes=%d]"
                .formatted(bucket, prefix, endpoint, region, pathStyleAccess, accessKeyId, partSizeBytes);
    }

    private static String normalisePrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return "";
        }
        String trimmed = prefix.strip();
        trimmed = trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
        try {
            ArtifactStore.checkKey(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid S3 key prefix '%s': segments of [A-Za-z0-9._-] separated by /"
                    .formatted(prefix), e);
        }
        return trimmed + "/";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
