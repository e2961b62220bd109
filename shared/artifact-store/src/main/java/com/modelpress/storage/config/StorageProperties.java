package com.modelpress.storage.config;

import com.modelpress.storage.S3StoreSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where artifacts live ({@code modelpress.storage.*}); api-service and every worker must be given the same store.
 *
 * @param type which store: {@code filesystem} (default) or {@code s3}
 * @param root folder of the filesystem artifact store, shared by api-service and the workers; defaults to
 *             {@code ~/.modelpress/artifacts}
 * @param s3   the S3 store ({@code modelpress.storage.s3.*}), used when {@code type} is {@code s3}
 */
@ConfigurationProperties("modelpress.storage")
public record StorageProperties(@DefaultValue("filesystem") Type type, Path root, @DefaultValue S3Properties s3) {

    public StorageProperties {
        if (root == null) {
            root = Path.of(System.getProperty("user.home"), ".modelpress", "artifacts");
        }
        if (type == Type.S3 && (s3.bucket() == null || s3.bucket().isBlank())) {
            throw new IllegalArgumentException("modelpress.storage.type=s3 needs modelpress.storage.s3.bucket "
                    + "(environment variable MODELPRESS_STORAGE_S3_BUCKET)");
        }
    }

    /** The artifact stores there are. */
    public enum Type { FILESYSTEM, S3 }

    /**
     * An S3 bucket (AWS, MinIO or any S3-compatible service).
     *
     * @param bucket          the bucket; required with {@code type=s3}
     * @param prefix          put before every key, e.g. {@code modelpress/}; empty by default
     * @param endpoint        the service's URI (e.g. {@code http://minio:9000}); AWS S3 of {@code region} when unset
     * @param region          signing region; default {@code us-east-1}
     * @param pathStyleAccess {@code http://host/bucket/key} requests (MinIO wants them); default false
     * @param accessKeyId     with {@code secretAccessKey}: static credentials; both unset: the AWS SDK's default
     *                        credentials chain (environment, profile, web identity, container or instance role)
     * @param secretAccessKey see {@code accessKeyId}
     * @param partSize        part size of multipart uploads and the memory one upload buffers; 5MB to 1GB,
     *                        default 8MB (artifacts up to 10,000 parts)
     */
    public record S3Properties(String bucket, String prefix, URI endpoint, @DefaultValue("us-east-1") String region,
                        boolean pathStyleAccess, String accessKeyId, String secretAccessKey,
                        @DefaultValue("8MB") DataSize partSize) {

        public S3Properties {
            if (partSize.toBytes() < DataSize.ofMegabytes(5).toBytes() || partSize.toBytes() > DataSize.ofGigabytes(1).toBytes()) {
                throw new IllegalArgumentException("modelpress.storage.s3.part-size must be between 5MB and 1GB, was " + partSize);
            }
        }

        @Override
        public String toString() {
            // never the secret
            return "S3Properties[bucket=%s, prefix=%s, endpoint=%s, region=%s, pathStyleAccess=%s, accessKeyId=%s, partSize=%s]"
                    .formatted(bucket, prefix, endpoint, region, pathStyleAccess, accessKeyId, partSize);
        }

        public S3StoreSettings settings() {
            return new S3StoreSettings(bucket, prefix, endpoint, region, pathStyleAccess, accessKeyId, secretAccessKey,
                    (int) partSize.toBytes());
        }
    }
}
