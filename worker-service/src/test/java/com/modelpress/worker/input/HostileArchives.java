package com.modelpress.worker.input;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Archives built byte by byte the way an attacker builds them (issue 15, item 3): tar headers that declare huge GNU
 * long names or pax records, pax path and size records, zip central directories with more records than any limit,
 * zips of local headers only. Shared by the extractor's unit tests and the worker's integration test.
 */
public final class HostileArchives {

    private HostileArchives() {
    }

    /** One raw 512-byte tar header (ustar, POSIX) with a correct checksum; {@code size} in octal or base-256. */
    public static byte[] tarHeader(String name, char type, long size) {
        byte[] header = new byte[512];
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(nameBytes, 0, header, 0, Math.min(100, nameBytes.length));
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        if (size < 077777777777L) {
            put(header, 124, "%011o".formatted(size));
        } else {
            header[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                header[135 - i] = (byte) (size >>> (8 * i));
            }
        }
        put(header, 136, "00000000000");
        header[156] = (byte) type;
        put(header, 257, "ustar");
        header[262] = 0;
        put(header, 263, "00");
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, "%06o".formatted(sum));
        header[154] = 0;
        header[155] = ' ';
        return header;
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    /** {@code data} padded to whole 512-byte blocks. */
    public static byte[] padded(byte[] data) {
        return Arrays.copyOf(data, (data.length + 511) / 512 * 512);
    }

    /** A pax record set, each {@code "<len> key=value\n"}. */
    public static byte[] pax(Map<String, String> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        records.forEach((key, value) -> {
            String body = " " + key + "=" + value + "\n";
            int length = body.getBytes(StandardCharsets.UTF_8).length;
            int total = length + Integer.toString(length).length();
            if (Integer.toString(total).length() != Integer.toString(length).length()) {
                total++;
            }
            out.writeBytes((total + body).getBytes(StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }

    /** Concatenates blocks and two end-of-archive blocks into a tar file, gzipped when asked. */
    public static Path tar(Path file, boolean gzip, byte[]... blocks) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file); OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
            for (byte[] block : blocks) {
                out.write(block);
            }
            out.write(new byte[1024]);
        }
        return file;
    }

    /**
     * A gzipped tar whose first entry has a GNU long name of {@code nameBytes} bytes (streamed, never in memory):
     * kilobytes on the wire, a name of megabytes for a reader that believes it.
     */
    public static Path gnuLongNameBomb(Path file, int nameBytes) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(tarHeader("././@LongLink", 'L', nameBytes));
            byte[] chunk = new byte[1 << 16];
            Arrays.fill(chunk, (byte) 'a');
            for (int written = 0; written < nameBytes; written += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, nameBytes - written));
            }
            out.write(new byte[(512 - nameBytes % 512) % 512]);
            out.write(tarHeader("placeholder", '0', 1));
            out.write(padded(new byte[]{1}));
            out.write(new byte[1024]);
        }
        return file;
    }

    /** A tar written by commons-compress with POSIX (pax) long names. */
    public static Path paxTar(Path file, String name, byte[] content) throws IOException {
        return tar(file, name, content, TarArchiveOutputStream.LONGFILE_POSIX);
    }

    /** A tar written by commons-compress with GNU long names ({@code L} records). */
    public static Path gnuTar(Path file, String name, byte[] content) throws IOException {
        return tar(file, name, content, TarArchiveOutputStream.LONGFILE_GNU);
    }

    private static Path tar(Path file, String name, byte[] content, int longFileMode) throws IOException {
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            out.setLongFileMode(longFileMode);
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(content.length);
            out.putArchiveEntry(entry);
            out.write(content);
            out.closeArchiveEntry();
        }
        return file;
    }

    /** A zip of {@code entries} empty stored files named {@code e<i>}: every one of them a central directory record. */
    public static Path manyEntries(Path file, int entries) throws IOException {
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(file)) {
            out.setMethod(ZipArchiveOutputStream.STORED);
            for (int i = 0; i < entries; i++) {
                ZipArchiveEntry entry = new ZipArchiveEntry("e" + i);
                entry.setSize(0);
                entry.setCrc(0);
                out.putArchiveEntry(entry);
                out.closeArchiveEntry();
            }
        }
        return file;
    }

    /** A one-entry zip whose end record is rewritten to declare {@code entries}. */
    public static Path declaringEntries(Path file, long entries) throws IOException {
        return misdeclared(file, 1, entries);
    }

    /**
     * A zip holding {@code real} central directory records whose end record declares {@code entries}: what a reader
     * that trusts the end record's count is told, and what a reader that walks the records (as ZipFile does) keeps.
     */
    public static Path misdeclared(Path file, int real, long entries) throws IOException {
        manyEntries(file, real);
        byte[] zip = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = zip.length - 22;
        if (buffer.getInt(eocd) != 0x06054b50) {
            throw new IllegalStateException("no end record where expected");
        }
        buffer.putShort(eocd + 8, (short) Math.min(entries, 0xffff));
        buffer.putShort(eocd + 10, (short) Math.min(entries, 0xffff));
        return Files.write(file, zip);
    }

    /** The local headers and data of a zip, without its central directory and end record. */
    public static Path localHeadersOnly(Path file, String name, byte[] content) throws IOException {
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(file)) {
            ZipArchiveEntry entry = new ZipArchiveEntry(name);
            out.putArchiveEntry(entry);
            out.write(content);
            out.closeArchiveEntry();
        }
        byte[] zip = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= zip.length; i++) {
            if (buffer.getInt(i) == 0x02014b50) {
                return Files.write(file, Arrays.copyOf(zip, i));
            }
        }
        throw new IllegalStateException("no central directory found");
    }

    /**
     * A zip, written byte by byte, with one stored entry whose central directory record carries a comment of
     * {@code commentBytes} (zip writers refuse to make one that large).
     */
    public static Path largeCentralRecord(Path file, int commentBytes) throws IOException {
        byte[] name = "model.onnx".getBytes(StandardCharsets.US_ASCII);
        byte[] data = {1};
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data);
        ByteBuffer zip = ByteBuffer.allocate(30 + name.length + data.length + 46 + name.length + commentBytes + 22)
                .order(ByteOrder.LITTLE_ENDIAN);
        zip.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putInt(0)
                .putInt((int) crc.getValue()).putInt(data.length).putInt(data.length)
                .putShort((short) name.length).putShort((short) 0).put(name).put(data);
        int directory = zip.position();
        zip.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                .putInt(0).putInt((int) crc.getValue()).putInt(data.length).putInt(data.length)
                .putShort((short) name.length).putShort((short) 0).putShort((short) commentBytes)
                .putShort((short) 0).putShort((short) 0).putInt(0).putInt(0).put(name).put(new byte[commentBytes]);
        int directorySize = zip.position() - directory;
        zip.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 1).putShort((short) 1)
                .putInt(directorySize).putInt(directory).putShort((short) 0);
        return Files.write(file, zip.array());
    }
}
