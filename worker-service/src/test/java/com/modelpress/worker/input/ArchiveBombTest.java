package com.modelpress.worker.input;

import com.modelpress.worker.failure.InvalidArchiveException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static com.modelpress.worker.input.HostileArchives.padded;
import static com.modelpress.worker.input.HostileArchives.pax;
import static com.modelpress.worker.input.HostileArchives.tarHeader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every construction of issue 15, item 3 that a tar or zip allows, just under and just over each limit: the extractor
 * refuses the ones over by what they declare, before it reads (let alone allocates) what they declare, and extracts
 * the ones under.
 */
class ArchiveBombTest {

    /** 1000 entries, 1 MiB extracted, 100-fold, names of 1024 characters, 64 KiB of metadata per entry. */
    private static final ArchiveLimits LIMITS = new ArchiveLimits(1000, 1 << 20, 100);
    private static final byte[] MODEL = "model bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path temp;

    private int folders;

    private Path target() throws IOException {
        return Files.createDirectories(temp.resolve("out" + folders++));
    }

    private void assertRefused(Path archive, ArchiveExtractor.Format format, String message) {
        assertThatThrownBy(() -> new ArchiveExtractor(LIMITS).extract(archive, format, target()))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
    }

    @Test
    void aGnuLongNameIsJudgedByItsDeclaredSizeBeforeItIsRead() throws Exception {
        // declares 2 GiB and brings almost nothing: refused by the header alone
        Path declared = HostileArchives.tar(temp.resolve("declared.tar"), false,
                tarHeader("././@LongLink", 'L', 2L << 30), padded("a".getBytes()));
        assertRefused(declared, ArchiveExtractor.Format.TAR, "GNU long name of 2147483648 bytes");
        // brings 20 MiB of name in a gzip of kilobytes
        Path real = HostileArchives.gnuLongNameBomb(temp.resolve("real.tgz"), 20 << 20);
        assertThat(Files.size(real)).isLessThan(100_000);
        assertRefused(real, ArchiveExtractor.Format.TAR_GZIP, "GNU long name of 20971520 bytes");
        // a long link name the same way
        Path link = HostileArchives.tar(temp.resolve("link.tar"), false, tarHeader("././@LongLink", 'K', 1L << 40));
        assertRefused(link, ArchiveExtractor.Format.TAR, "GNU long link name of 1099511627776 bytes");
    }

    @Test
    void paxRecordsAreBoundedAndTheirPathAndSizeApply() throws Exception {
        Path huge = HostileArchives.tar(temp.resolve("pax.tar"), false, tarHeader("PaxHeaders/x", 'x', 2L << 30));
        assertRefused(huge, ArchiveExtractor.Format.TAR, "pax header of 2147483648 bytes");
        Path global = HostileArchives.tar(temp.resolve("global.tar"), false, tarHeader("g", 'g', 70_000));
        assertRefused(global, ArchiveExtractor.Format.TAR, "global pax header of 70000 bytes");

        // pax size says more than the archive could ever expand to: refused before a byte is written
        byte[] sizeRecord = pax(Map.of("size", Long.toString(1L << 40)));
        Path size = HostileArchives.tar(temp.resolve("size.tar"), false, tarHeader("PaxHeaders/m", 'x', sizeRecord.length),
                padded(sizeRecord), tarHeader("model.onnx", '0', 1), padded(new byte[]{1}));
        assertRefused(size, ArchiveExtractor.Format.TAR, "extracts to more than the limit of 1048576 bytes (by the sizes its entries declare)");

        // sparse files (pax 0.x/1.0 maps, GNU 'S') are not for models
        byte[] sparse = pax(Map.of("GNU.sparse.major", "1", "GNU.sparse.minor", "0"));
        Path paxSparse = HostileArchives.tar(temp.resolve("sparse.tar"), false, tarHeader("PaxHeaders/s", 'x', sparse.length),
                padded(sparse), tarHeader("model.onnx", '0', 0));
        assertRefused(paxSparse, ArchiveExtractor.Format.TAR, "sparse files are not supported");
        Path gnuSparse = HostileArchives.tar(temp.resolve("gnusparse.tar"), false, tarHeader("model.onnx", 'S', 0));
        assertRefused(gnuSparse, ArchiveExtractor.Format.TAR, "sparse files are not supported");

        // a pax path renames the entry, and is held to the same rules as any name
        byte[] escape = pax(Map.of("path", "../../evil.onnx"));
        Path evil = HostileArchives.tar(temp.resolve("evil.tar"), false, tarHeader("PaxHeaders/e", 'x', escape.length),
                padded(escape), tarHeader("harmless.onnx", '0', 1), padded(new byte[]{1}));
        assertRefused(evil, ArchiveExtractor.Format.TAR, "'..' is not allowed");
    }

    @Test
    void namesJustUnderTheLimitsAreExtractedAndJustOverAreRefused() throws Exception {
        String under = nested(ArchiveLimits.DEFAULT_MAX_NAME_LENGTH);
        String over = nested(ArchiveLimits.DEFAULT_MAX_NAME_LENGTH + 1);
        for (boolean gnu : new boolean[]{true, false}) {
            Path fits = gnu ? HostileArchives.gnuTar(temp.resolve("fits-gnu.tar"), under, MODEL)
                    : HostileArchives.paxTar(temp.resolve("fits-pax.tar"), under, MODEL);
            Path target = target();
            assertThat(new ArchiveExtractor(LIMITS).extract(fits, ArchiveExtractor.Format.TAR, target))
                    .containsExactly(target.resolve(under));
            Path tooLong = gnu ? HostileArchives.gnuTar(temp.resolve("long-gnu.tar"), over, MODEL)
                    : HostileArchives.paxTar(temp.resolve("long-pax.tar"), over, MODEL);
            assertRefused(tooLong, ArchiveExtractor.Format.TAR, "its name has 1025 characters, more than the limit of 1024");
        }
        // one folder or file name over what a file system takes
        Path segment = HostileArchives.paxTar(temp.resolve("segment.tar"), "a".repeat(256) + ".onnx", MODEL);
        assertRefused(segment, ArchiveExtractor.Format.TAR, "longer than 255 bytes");

        Path zipFits = zipOf(temp.resolve("fits.zip"), under);
        Path target = target();
        assertThat(new ArchiveExtractor(LIMITS).extract(zipFits, ArchiveExtractor.Format.ZIP, target))
                .containsExactly(target.resolve(under));
        assertRefused(zipOf(temp.resolve("long.zip"), over), ArchiveExtractor.Format.ZIP,
                "a name of 1025 bytes, more than the limit of 1024");
    }

    @Test
    void aZipCentralDirectoryIsWalkedBeforeZipFileReadsIt() throws Exception {
        // more records than the limit, declared honestly
        assertRefused(HostileArchives.manyEntries(temp.resolve("many.zip"), 5_000), ArchiveExtractor.Format.ZIP,
                "it declares 5000 entries, more than the limit of 1000");
        // the same records behind an end record that declares one: ZipFile would read and keep every one of them
        assertRefused(HostileArchives.misdeclared(temp.resolve("lies.zip"), 5_000, 1), ArchiveExtractor.Format.ZIP,
                "its central directory holds more than the limit of 1000 entries");
        // exactly at the limit is fine
        Path atLimit = HostileArchives.manyEntries(temp.resolve("limit.zip"), 1000);
        assertThat(new ArchiveExtractor(LIMITS).extract(atLimit, ArchiveExtractor.Format.ZIP, target())).hasSize(1000);
        // an end record that declares millions
        assertRefused(HostileArchives.declaringEntries(temp.resolve("declares.zip"), 65_535), ArchiveExtractor.Format.ZIP,
                "it declares 65535 entries, more than the limit of 1000");
        // local headers without a central directory
        assertRefused(HostileArchives.localHeadersOnly(temp.resolve("local.zip"), "model.onnx", MODEL),
                ArchiveExtractor.Format.ZIP, "no end of central directory record");
        // a record carrying 64 KiB of comment
        assertRefused(HostileArchives.largeCentralRecord(temp.resolve("comment.zip"), 65_530), ArchiveExtractor.Format.ZIP,
                "more than the limit of 65536");
    }

    @Test
    void sizesBeyondEveryLimitAreRefusedByWhatTheyDeclare() throws Exception {
        // base-256 size of 2^62 bytes in a 2 KiB file
        Path base256 = HostileArchives.tar(temp.resolve("b256.tar"), false, tarHeader("model.onnx", '0', 1L << 62));
        assertRefused(base256, ArchiveExtractor.Format.TAR, "extracts to more than the limit of 1048576 bytes (by the sizes its entries declare)");
        // many metadata records in front of one entry
        byte[] record = pax(new LinkedHashMap<>(Map.of("comment", "x")));
        byte[][] blocks = new byte[2 * (TarReader.MAX_METADATA_RECORDS + 1)][];
        for (int i = 0; i < blocks.length; i += 2) {
            blocks[i] = tarHeader("PaxHeaders/c", 'x', record.length);
            blocks[i + 1] = padded(record);
        }
        assertRefused(HostileArchives.tar(temp.resolve("records.tar"), false, blocks), ArchiveExtractor.Format.TAR,
                "more than 8 metadata records in front of one entry");
        // a header whose checksum is wrong is not trusted for anything
        byte[] forged = tarHeader("model.onnx", '0', 1);
        forged[0] = 'M';
        assertRefused(HostileArchives.tar(temp.resolve("forged.tar"), false, forged), ArchiveExtractor.Format.TAR,
                "wrong checksum");
    }

    /** A path of exactly {@code length} characters, in folders of 200 characters (file systems take 255 per name). */
    private static String nested(int length) {
        StringBuilder name = new StringBuilder();
        while (length - name.length() > 205) {
            name.append("d".repeat(199)).append('/');
        }
        name.append("m".repeat(length - name.length() - 5)).append(".onnx");
        return name.toString();
    }

    private static Path zipOf(Path file, String name) throws IOException {
        try (var out = new org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream(file)) {
            out.putArchiveEntry(new org.apache.commons.compress.archivers.zip.ZipArchiveEntry(name));
            out.write(MODEL);
            out.closeArchiveEntry();
        }
        return file;
    }
}
