package com.modelpress.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FilesystemArtifactStoreTest {

    @TempDir
    Path root;

    @Test
    void storesStreamsWithDigestAndReadsRanges() throws IOException {
        FilesystemArtifactStore store = new FilesystemArtifactStore(root);
        byte[] content = new byte[200_000];
        new Random(1).nextBytes(content);
        StoredArtifact stored = store.put("jobs/1/input/model.onnx", new ByteArrayInputStream(content), 1 << 20);

        assertThat(stored.sizeBytes()).isEqualTo(content.length);
        // sha256 of the content, computed independently
        assertThat(stored.sha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                sha256(content)));
        assertThat(store.stat("jobs/1/input/model.onnx")).contains(stored);
        try (InputStream in = store.open("jobs/1/input/model.onnx", 1000, 50)) {
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(content, 1000, 1050));
        }
        assertThat(store.list("jobs/1")).containsExactly("jobs/1/input/model.onnx");
        store.deleteAll("jobs/1");
        assertThat(store.stat("jobs/1/input/model.onnx")).isEmpty();
    }

    @Test
    void refusesOversizeStreamsAndLeavesNothing() throws IOException {
        FilesystemArtifactStore store = new FilesystemArtifactStore(root);
        assertThatThrownBy(() -> store.put("jobs/2/big.bin", new ByteArrayInputStream(new byte[5000]), 4096))
                .isInstanceOf(ArtifactTooLargeException.class);
        assertThat(store.stat("jobs/2/big.bin")).isEmpty();
        assertThat(store.list("jobs/2")).isEmpty();
        try (var files = Files.list(root.resolve("jobs/2"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void refusesKeysThatEscapeTheRoot() throws IOException {
        FilesystemArtifactStore store = new FilesystemArtifactStore(root);
        for (String key : new String[]{"../x", "/etc/passwd", "jobs/../../x", "jobs//x", "jobs/x y", ""}) {
            assertThatThrownBy(() -> store.put(key, new ByteArrayInputStream(new byte[1]), 10))
                    .as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.open("jobs/none", 0, 0)).isInstanceOf(NoSuchFileException.class);
    }

    private static byte[] sha256(byte[] content) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
