package com.modelpress.engine;

import com.modelpress.files.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackgroundDigestTest {

    @TempDir
    Path dir;

    @Test
    void isTheFilesSha256() throws IOException {
        Path file = Files.writeString(dir.resolve("model.onnx"), "bytes");
        assertThat(BackgroundDigest.of(file).join()).isEqualTo(Sha256.of(file));
    }

    @Test
    void aFileThatCannotBeReadFailsTheJoinWithItsIOException() {
        BackgroundDigest digest = BackgroundDigest.of(dir.resolve("absent.onnx"));
        assertThatThrownBy(digest::join).isInstanceOf(NoSuchFileException.class);
    }
}
