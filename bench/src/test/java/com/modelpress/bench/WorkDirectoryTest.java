package com.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirectoryTest {

    @Test
    void removesEarlierOutputButKeepsTheFolder(@TempDir Path root) throws IOException {
        Path work = root.resolve("minilm-int4");
        Files.createDirectories(work.resolve("nested"));
        Files.writeString(work.resolve("model.onnx"), "old");
        Files.writeString(work.resolve("nested/model.onnx.data"), "old");
        Files.writeString(root.resolve("sibling.onnx"), "keep");

        assertThat(WorkDirectory.emptied(work)).isEqualTo(work);

        assertThat(work).isEmptyDirectory();
        assertThat(root.resolve("sibling.onnx")).hasContent("keep");
    }

    @Test
    void createsAMissingFolder(@TempDir Path root) throws IOException {
        assertThat(WorkDirectory.emptied(root.resolve("a/b"))).isEmptyDirectory();
    }
}
