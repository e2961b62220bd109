package com.modelpress.storage;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3StoreSettingsTest {

    private static final int PART = S3StoreSettings.DEFAULT_PART_SIZE;

    @Test
    void defaultsAndNormalisation() {
        S3StoreSettings settings = new S3StoreSettings(" models ", "tenant/a/", null, " ", false, "", null, PART);
        assertThat(settings.bucket()).isEqualTo("models");
        assertThat(settings.prefix()).isEqualTo("tenant/a/");
        assertThat(settings.region()).isEqualTo("us-east-1");
        assertThat(settings.hasStaticCredentials()).isFalse();
        assertThat(new S3StoreSettings("b", "p", null, "eu-west-1", false, null, null, PART).prefix()).isEqualTo("p/");
        assertThat(S3StoreSettings.of("b").prefix()).isEmpty();
    }

    @Test
    void refusesWhatCannotWork() {
        assertThatThrownBy(() -> new S3StoreSettings(" ", null, null, null, false, null, null, PART))
                .hasMessageContaining("needs a bucket");
        assertThatThrownBy(() -> new S3StoreSettings("b", "../x", null, null, false, null, null, PART))
                .hasMessageContaining("invalid S3 key prefix '../x'");
        assertThatThrownBy(() -> new S3StoreSettings("b", null, URI.create("minio:9000"), null, false, null, null, PART))
                .hasMessageContaining("http(s) URI");
        assertThatThrownBy(() -> new S3StoreSettings("b", null, null, null, false, "id", null, PART))
                .hasMessageContaining("both an access key id and a secret access key");
        assertThatThrownBy(() -> new S3StoreSettings("b", null, null, null, false, null, null, 1 << 20))
                .hasMessageContaining("at least 5242880 bytes");
    }

    @Test
    void neverShowsTheSecret() {
        assertThat(new S3StoreSettings("b", null, null, null, true, "AKIAEXAMPLE", "s3cr3t-value", PART).toString())
                .contains("AKIAEXAMPLE").doesNotContain("s3cr3t-value");
    }
}
