package com.modelpress.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class FileTreesTest {

    @TempDir
    Path dir;

    @Test
    void deletesAFolderWithEverythingBelowItButNotWhatALinkPointsTo() throws Exception {
        Path outside = Files.writeString(dir.resolve("outside.txt"), "kept");
        Path root = Files.createDirectories(dir.resolve("root/a/b"));
        Files.writeString(root.resolve("deep.bin"), "x");
        Files.writeString(dir.resolve("root/top.txt"), "y");
        Files.createSymbolicLink(dir.resolve("root/a/link"), outside);

        FileTrees.delete(dir.resolve("root"));

        assertThat(dir.resolve("root")).doesNotExist();
        assertThat(outside).hasContent("kept");
    }

    @Test
    void nothingToDeleteIsNotAnError() throws Exception {
        FileTrees.delete(dir.resolve("missing"));
        FileTrees.delete(null);
        Path file = Files.writeString(dir.resolve("single.txt"), "z");
        FileTrees.delete(file);
        assertThat(file).doesNotExist();
    }
}
