package com.modelpress.embedded;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a missing S3Mock jar says; the server itself runs in the S3 store's integration tests. */
class S3MockServerTest {

    @Test
    void aMissingJarSaysWhereItWasLookedForAndHowToProvideIt() {
        Path nowhere = Path.of("target", "no-such-dir", "s3mock-exec.jar");
        assertThatThrownBy(() -> S3MockServer.start(nowhere))
                .isInstanceOf(EmbeddedServiceException.class)
                .hasMessageContaining(nowhere.toAbsolutePath().toString())
                .hasMessageContaining(S3MockServer.JAR_PROPERTY);
    }
}
