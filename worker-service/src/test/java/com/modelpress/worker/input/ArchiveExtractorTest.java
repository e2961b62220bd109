package com.modelpress.worker.input;

import com.modelpress.worker.failure.InvalidArchiveException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchiveExtractorTest {

    private static final ArchiveLimits GENEROUS = new ArchiveLimits(100, 1 << 20, 100);

    @TempDir
    Path temp;

    private Path target() throws IOException {
        return Files.createDirectories(temp.resolve("out"));
    }

    @Test
    void extractsZipTarAndGzippedTarKeepingFolders() throws Exception {
        Path zip = zip(temp.resolve("a.zip"), new Entry("net/model.onnx", "m"), new Entry("net/model.onnx.data", "d"));
        Path tar = tar(temp.resolve("a.tar"), false, new Entry("net/model.onnx", "m"), new Entry("net/model.onnx.data", "d"));
        Path tgz = tar(temp.resolve("a.tgz"), true, new Entry("net/model.onnx", "m"), new Entry("net/model.onnx.data", "d"));

        for (Path archive : new Path[]{zip, tar, tgz}) {
            Path target = Files.createTempDirectory(temp, "x");
            ArchiveExtractor.Format format = ArchiveExtractor.sniff(archive);
            assertThat(new ArchiveExtractor(GENEROUS).extract(archive, format, target))
                    .containsExactly(target.resolve("net/model.onnx"), target.resolve("net/model.onnx.data"));
            assertThat(Files.readString(target.resolve("net/model.onnx.data"))).isEqualTo("d");
        }
        assertThat(ArchiveExtractor.sniff(zip)).isEqualTo(ArchiveExtractor.Format.ZIP);
        assertThat(ArchiveExtractor.sniff(tar)).isEqualTo(ArchiveExtractor.Format.TAR);
        assertThat(ArchiveExtractor.sniff(tgz)).isEqualTo(ArchiveExtractor.Format.TAR_GZIP);
        Path onnx = Files.write(temp.resolve("plain.onnx"), new byte[]{8, 8, 18, 4});
        assertThat(ArchiveExtractor.sniff(onnx)).isNull();
    }

    @Test
    void refusesNamesThatLeaveTheFolder() throws Exception {
        for (String name : new String[]{"../evil.onnx", "a/../../evil.onnx", "/etc/evil.onnx", "C:/evil.onnx", "a\\..\\..\\evil.onnx"}) {
            Path zip = zip(temp.resolve("bad.zip"), new Entry(name, "x"));
            Path target = Files.createTempDirectory(temp, "x");
            assertThatThrownBy(() -> new ArchiveExtractor(GENEROUS).extract(zip, ArchiveExtractor.Format.ZIP, target))
                    .as(name).isInstanceOf(InvalidArchiveException.class).hasMessageContaining("evil.onnx");
        }
        assertThat(Files.exists(temp.resolve("evil.onnx"))).isFalse();
    }

    @Test
    void refusesSymbolicLinksInZipAndTar() throws Exception {
        Path zip = temp.resolve("link.zip");
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(zip)) {
            ZipArchiveEntry link = new ZipArchiveEntry("model.onnx.data");
            link.setUnixMode(UnixStat.LINK_FLAG | 0777);
            out.putArchiveEntry(link);
            out.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
            out.closeArchiveEntry();
        }
        assertThatThrownBy(() -> new ArchiveExtractor(GENEROUS).extract(zip, ArchiveExtractor.Format.ZIP, target()))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("symbolic link");

        Path tar = temp.resolve("link.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            TarArchiveEntry link = new TarArchiveEntry("model.onnx.data", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/etc/passwd");
            out.putArchiveEntry(link);
            out.closeArchiveEntry();
        }
        assertThatThrownBy(() -> new ArchiveExtractor(GENEROUS).extract(tar, ArchiveExtractor.Format.TAR,
                Files.createTempDirectory(temp, "t")))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("links are not allowed");
    }

    @Test
    void refusesTooManyEntriesTooManyBytesAndBombs() throws Exception {
        Path many = zip(temp.resolve("many.zip"), new Entry("a", "1"), new Entry("b", "2"), new Entry("c", "3"));
        assertThatThrownBy(() -> new ArchiveExtractor(new ArchiveLimits(2, 1 << 20, 100))
                .extract(many, ArchiveExtractor.Format.ZIP, target()))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("3 entries");

        Path big = zip(temp.resolve("big.zip"), new Entry("model.onnx", "x".repeat(5000)));
        assertThatThrownBy(() -> new ArchiveExtractor(new ArchiveLimits(10, 4096, 1000))
                .extract(big, ArchiveExtractor.Format.ZIP, Files.createTempDirectory(temp, "b")))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("4096 bytes");

        Path bomb = zip(temp.resolve("bomb.zip"), new Entry("model.onnx", "\0".repeat(1 << 20)));
        assertThatThrownBy(() -> new ArchiveExtractor(new ArchiveLimits(10, 1 << 30, 100))
                .extract(bomb, ArchiveExtractor.Format.ZIP, Files.createTempDirectory(temp, "c")))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("100-fold");
    }

    @Test
    void refusesGzipThatHoldsNoTarAndBrokenGzip() throws Exception {
        byte[] model = new byte[2048];
        new java.util.Random(3).nextBytes(model);
        Path notTar = temp.resolve("model.onnx.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(notTar))) {
            out.write(model);
        }
        assertThatThrownBy(() -> new ArchiveExtractor(GENEROUS).extract(notTar, ArchiveExtractor.Format.TAR_GZIP, target()))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("not a readable tar file");

        byte[] gzip = Files.readAllBytes(notTar);
        Path cut = Files.write(temp.resolve("cut.tgz"), java.util.Arrays.copyOf(gzip, 40));
        assertThatThrownBy(() -> new ArchiveExtractor(GENEROUS).extract(cut, ArchiveExtractor.Format.TAR_GZIP,
                Files.createTempDirectory(temp, "x")))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("not a readable gzip file");
    }

    @Test
    void refusesDuplicateEntries() throws Exception {
        Path tar = tar(temp.resolve("dup.tar"), false, new Entry("model.onnx", "1"), new Entry("./model.onnx", "2"));
        assertThatThrownBy(() -> new ArchiveExtractor(GENEROUS).extract(tar, ArchiveExtractor.Format.TAR, target()))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("twice");
    }

    private record Entry(String name, String content) {}

    private static Path zip(Path file, Entry... entries) throws IOException {
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(file)) {
            for (Entry entry : entries) {
                out.putArchiveEntry(new ZipArchiveEntry(entry.name()));
                out.write(entry.content().getBytes(StandardCharsets.UTF_8));
                out.closeArchiveEntry();
            }
        }
        return file;
    }

    private static Path tar(Path file, boolean gzip, Entry... entries) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(gzip ? new GZIPOutputStream(raw) : raw)) {
            for (Entry entry : entries) {
                byte[] bytes = entry.content().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry tarEntry = new TarArchiveEntry(entry.name());
                tarEntry.setSize(bytes.length);
                out.putArchiveEntry(tarEntry);
                out.write(bytes);
                out.closeArchiveEntry();
            }
        }
        return file;
    }
}
