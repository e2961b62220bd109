package com.modelpress.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

import static org.assertj.core.api.Assertions.assertThat;

class Sha256Test {

    /** FIPS 180-2's test vector for "abc". */
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path dir;

    @Test
    void bytesTextFilesStreamsAndAFedDigestGiveTheSameLowercaseHex() throws Exception {
        Path file = Files.writeString(dir.resolve("abc.txt"), "abc");
        MessageDigest fed = Sha256.digest();
        fed.update("ab".getBytes(StandardCharsets.UTF_8));
        fed.update("c".getBytes(StandardCharsets.UTF_8));

        assertThat(Sha256.of("abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(ABC);
        assertThat(Sha256.of("abc")).isEqualTo(ABC);
        assertThat(Sha256.of(file)).isEqualTo(ABC);
        assertThat(Sha256.hex(fed)).isEqualTo(ABC);
        try (var in = new java.io.ByteArrayInputStream("xabc".getBytes(StandardCharsets.UTF_8))) {
            in.skip(1);
            assertThat(Sha256.of(in)).as("from the stream's position").isEqualTo(ABC);
        }
    }

    @Test
    void textIsDigestedAsUtf8() {
        assertThat(Sha256.of("é")).isEqualTo(Sha256.of(new byte[]{(byte) 0xc3, (byte) 0xa9}));
    }
}
