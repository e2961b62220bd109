package com.modelpress.storage.config;

import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.FilesystemArtifactStore;
import com.modelpress.storage.S3ArtifactStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code modelpress.storage.type} picks the store; no request reaches a storage service here. */
class StorageConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(StorageConfiguration.class, Properties.class);

    @TempDir
    Path root;

    @EnableConfigurationProperties(StorageProperties.class)
    static class Properties {
    }

    @Test
    void theFilesystemStoreIsTheDefault() {
        runner.withPropertyValues("modelpress.storage.root=" + root).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(ArtifactStore.class)).isInstanceOfSatisfying(FilesystemArtifactStore.class,
                    store -> assertThat(store.root()).isEqualTo(root.toAbsolutePath()));
        });
    }

    @Test
    void typeS3SelectsTheS3StoreWithItsSettings() {
        runner.withPropertyValues("modelpress.storage.type=s3", "modelpress.storage.s3.bucket=models",
                "modelpress.storage.s3.prefix=modelpress", "modelpress.storage.s3.endpoint=http://127.0.0.1:9",
                "modelpress.storage.s3.path-style-access=true", "modelpress.storage.s3.region=eu-central-1",
                "modelpress.storage.s3.access-key-id=id", "modelpress.storage.s3.secret-access-key=secret",
                "modelpress.storage.s3.part-size=16MB").run(context -> {
            assertThat(context).hasNotFailed();
            S3ArtifactStore store = (S3ArtifactStore) context.getBean(ArtifactStore.class);
            assertThat(store.bucket()).isEqualTo("models");
            assertThat(store.prefix()).isEqualTo("modelpress/");
            assertThat(store.toString()).contains("http://127.0.0.1:9");
            StorageProperties.S3Properties s3 = context.getBean(StorageProperties.class).s3();
            assertThat(s3.settings().pathStyleAccess()).isTrue();
            assertThat(s3.settings().region()).isEqualTo("eu-central-1");
            assertThat(s3.settings().partSizeBytes()).isEqualTo(16 << 20);
            assertThat(s3.settings().hasStaticCredentials()).isTrue();
            assertThat(s3.toString()).contains("models").doesNotContain("secret");
        });
    }

    @Test
    void theEnvironmentVariablesOfTheReadmeBind() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                        "MODELPRESS_STORAGE_TYPE", "s3",
                        "MODELPRESS_STORAGE_S3_BUCKET", "models",
                        "MODELPRESS_STORAGE_S3_PREFIX", "tenant-a",
                        "MODELPRESS_STORAGE_S3_ENDPOINT", "http://minio:9000",
                        "MODELPRESS_STORAGE_S3_REGION", "eu-west-1",
                        "MODELPRESS_STORAGE_S3_PATH_STYLE_ACCESS", "true",
                        "MODELPRESS_STORAGE_S3_ACCESS_KEY_ID", "minio",
                        "MODELPRESS_STORAGE_S3_SECRET_ACCESS_KEY", "minio-secret",
                        "MODELPRESS_STORAGE_S3_PART_SIZE", "32MB")))).run(context -> {
            assertThat(context).hasNotFailed();
            var settings = context.getBean(StorageProperties.class).s3().settings();
            assertThat(settings.bucket()).isEqualTo("models");
            assertThat(settings.prefix()).isEqualTo("tenant-a/");
            assertThat(settings.endpoint()).hasToString("http://minio:9000");
            assertThat(settings.region()).isEqualTo("eu-west-1");
            assertThat(settings.pathStyleAccess()).isTrue();
            assertThat(settings.accessKeyId()).isEqualTo("minio");
            assertThat(settings.secretAccessKey()).isEqualTo("minio-secret");
            assertThat(settings.partSizeBytes()).isEqualTo(32 << 20);
            assertThat(context.getBean(ArtifactStore.class)).isInstanceOf(S3ArtifactStore.class);
        });
    }

    @Test
    void typeS3WithoutABucketFailsAtStartupSayingWhatIsMissing() {
        runner.withPropertyValues("modelpress.storage.type=s3").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("modelpress.storage.type=s3 needs modelpress.storage.s3.bucket")
                    .hasMessageContaining("MODELPRESS_STORAGE_S3_BUCKET");
        });
    }

    @Test
    void badS3SettingsFailAtStartup() {
        runner.withPropertyValues("modelpress.storage.type=s3", "modelpress.storage.s3.bucket=models",
                "modelpress.storage.s3.access-key-id=id").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("secret access key");
        });
        runner.withPropertyValues("modelpress.storage.type=s3", "modelpress.storage.s3.bucket=models",
                "modelpress.storage.s3.part-size=1MB").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("part-size must be between 5MB and 1GB");
        });
        runner.withPropertyValues("modelpress.storage.type=ftp").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("ftp");
        });
    }

    @Test
    void s3SettingsAreIgnoredByTheFilesystemStore() {
        runner.withPropertyValues("modelpress.storage.root=" + root, "modelpress.storage.s3.part-size=8MB")
                .run(context -> assertThat(context.getBean(ArtifactStore.class)).isInstanceOf(FilesystemArtifactStore.class));
    }
}
