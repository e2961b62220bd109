package com.modelpress.worker.input;

import com.modelpress.worker.failure.InvalidArchiveException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A strict reader of tar streams (POSIX ustar and pax, GNU) that holds at most one header's metadata in memory, and
 * never more than {@link ArchiveLimits#maxHeaderBytes()} of it: a GNU long-name ({@code L}, {@code K}) or pax
 * ({@code x}, {@code g}) record is judged by its declared size before a byte of it is read. Only what an upload of
 * models needs is accepted: regular files and folders, names from ustar (with prefix), GNU long names and pax
 * {@code path}, sizes from the header (octal or base-256) and pax {@code size}. Links, devices, FIFOs, sparse files,
 * multi-volume parts and global pax records that set a path or size are refused.
 *
 * <p>Not thread-safe; one instance per archive.
 */
final class TarReader {

    static final int BLOCK = 512;
    /** Metadata records (long names, pax) in front of one entry at most. */
    static final int MAX_METADATA_RECORDS = 8;

    /** A regular file or a folder; {@code size} is 0 for folders. */
    record Entry(String name, boolean directory, long size) {}

    private final InputStream in;
    private final ArchiveLimits limits;
    private final byte[] header = new byte[BLOCK];
    /** Bytes of the current entry's data not yet read, then its padding. */
    private long remaining;
    private long padding;
    private long offset;

    TarReader(InputStream in, ArchiveLimits limits) {
        this.in = in;
        this.limits = limits;
    }

    /**
     * Skips what is left of the current entry and reads the next one.
     *
     * @return null at the end of the archive
     */
    Entry next() throws IOException, InvalidArchiveException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        String paxPath = null;
        Long paxSize = null;
        for (int records = 0; ; records++) {
            long at = offset;
            if (!readBlock()) {
                if (records > 0) {
                    throw new InvalidArchiveException("it ends after a metadata record, without the entry it describes");
                }
                return null; // no end-of-archive blocks: tolerated, as tar itself does
            }
            if (allZero(header)) {
                if (records > 0) {
                    throw new InvalidArchiveException("it ends after a metadata record, without the entry it describes");
                }
                return null;
            }
            checkChecksum(at);
            char type = (char) (header[156] & 0xff);
            long size = size(at);
            if (records >= MAX_METADATA_RECORDS && isMetadata(type)) {
                throw new InvalidArchiveException("more than %d metadata records in front of one entry (at byte %d)"
                        .formatted(MAX_METADATA_RECORDS, at));
            }
            switch (type) {
                case 'L' -> longName = trimNuls(metadata(size, "a GNU long name", at));
                case 'K' -> metadata(size, "a GNU long link name", at); // links are refused below anyway
                case 'x' -> {
                    Pax pax = pax(metadata(size, "a pax header", at), at);
                    paxPath = pax.path() != null ? pax.path() : paxPath;
                    paxSize = pax.size() != null ? pax.size() : paxSize;
                }
                case 'g' -> {
                    Pax pax = pax(metadata(size, "a global pax header", at), at);
                    if (pax.path() != null || pax.size() != null) {
                        throw new InvalidArchiveException("a global pax header that sets path or size is not supported");
                    }
                }
                default -> {
                    String name = paxPath != null ? paxPath : longName != null ? longName : ustarName();
                    return entry(type, name, paxSize != null ? paxSize : size);
                }
            }
        }
    }

    /** The current file's data: exactly its size, then end of stream. */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int off, int length) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(buffer, off, (int) Math.min(length, remaining));
                if (n < 0) {
                    throw new EOFException("the archive ends inside an entry's data");
                }
                remaining -= n;
                offset += n;
                return n;
            }
        };
    }

    private Entry entry(char type, String name, long size) throws InvalidArchiveException {
        if (name.isEmpty()) {
            throw new InvalidArchiveException("an entry has no name");
        }
        if (name.length() > limits.maxNameLength()) {
            throw new InvalidArchiveException(shorten(name), "its name has %d characters, more than the limit of %d"
                    .formatted(name.length(), limits.maxNameLength()));
        }
        return switch (type) {
            case '0', '\0', '7' -> {
                remaining = size;
                padding = pad(size);
                yield new Entry(name, false, size);
            }
            case '5' -> {
                // a folder's size is meaningless; skip whatever data it claims
                remaining = size;
                padding = pad(size);
                yield new Entry(name, true, 0);
            }
            case '1', '2' -> throw new InvalidArchiveException(shorten(name), "links are not allowed");
            case '3', '4', '6' -> throw new InvalidArchiveException(shorten(name), "only regular files and folders are allowed");
            case 'S' -> throw new InvalidArchiveException(shorten(name), "sparse files are not supported");
            default -> throw new InvalidArchiveException(shorten(name), "tar entry type '%s' is not supported"
                    .formatted(Character.isLetterOrDigit(type) ? String.valueOf(type) : "\\" + (int) type));
        };
    }

    private static boolean isMetadata(char type) {
        return type == 'L' || type == 'K' || type == 'x' || type == 'g';
    }

    /** Reads a metadata record's data after checking its declared size; the padding is consumed too. */
    private byte[] metadata(long size, String what, long at) throws IOException, InvalidArchiveException {
        if (size > limits.maxHeaderBytes()) {
            throw new InvalidArchiveException("%s of %d bytes at byte %d, more than the limit of %d"
                    .formatted(what, size, at, limits.maxHeaderBytes()));
        }
        byte[] data = new byte[(int) size];
        int read = in.readNBytes(data, 0, data.length);
        offset += read;
        if (read < data.length) {
            throw new InvalidArchiveException("it ends inside %s".formatted(what));
        }
        skip(pad(size));
        return data;
    }

    private record Pax(String path, Long size) {}

    /** pax records: {@code "<length> <key>=<value>\n"}, the length counting the whole record. */
    private static Pax pax(byte[] data, long at) throws InvalidArchiveException {
        String path = null;
        Long size = null;
        int position = 0;
        while (position < data.length) {
            int space = position;
            long length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && space - position < 10) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space == position || space >= data.length || data[space] != ' ' || length <= space - position + 1
                    || position + length > data.length || data[(int) (position + length - 1)] != '\n') {
                throw new InvalidArchiveException("a malformed pax record at byte %d".formatted(at));
            }
            String record = new String(data, space + 1, (int) (position + length - 1 - (space + 1)), StandardCharsets.UTF_8);
            int equals = record.indexOf('=');
            if (equals <= 0) {
                throw new InvalidArchiveException("a pax record without a key at byte %d".formatted(at));
            }
            String key = record.substring(0, equals);
            String value = record.substring(equals + 1);
            if (key.equals("path")) {
                path = value;
            } else if (key.equals("size")) {
                size = paxSize(value, at);
            } else if (key.startsWith("GNU.sparse.")) {
                throw new InvalidArchiveException("sparse files are not supported");
            }
            position += (int) length;
        }
        return new Pax(path, size);
    }

    private static long paxSize(String value, long at) throws InvalidArchiveException {
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidArchiveException("a pax size '%s' at byte %d is not a number of bytes".formatted(shorten(value), at));
        }
        return Long.parseLong(value);
    }

    /** ustar: {@code prefix/name} when the header is POSIX ustar and has a prefix; GNU headers use that room otherwise. */
    private String ustarName() {
        String name = field(0, 100);
        boolean posix = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        String prefix = posix ? field(345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private String field(int start, int length) {
        int end = start;
        while (end < start + length && header[end] != 0) {
            end++;
        }
        return new String(header, start, end - start, StandardCharsets.UTF_8);
    }

    /** The size field: octal digits, or base-256 (GNU) when its first byte has the high bit set. */
    private long size(long at) throws InvalidArchiveException {
        if ((header[124] & 0x80) != 0) {
            if ((header[124] & 0x40) != 0) {
                throw new InvalidArchiveException("a negative size at byte %d".formatted(at));
            }
            long value = header[124] & 0x3f;
            for (int i = 125; i < 136; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new InvalidArchiveException("a size beyond 64 bits at byte %d".formatted(at));
                }
                value = (value << 8) | (header[i] & 0xff);
            }
            return value;
        }
        return octal(124, 12, "size", at);
    }

    private long octal(int start, int length, String what, long at) throws InvalidArchiveException {
        int i = start;
        int end = start + length;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        long value = 0;
        int digits = 0;
        for (; i < end && header[i] >= '0' && header[i] <= '7'; i++, digits++) {
            value = (value << 3) | (header[i] - '0');
        }
        for (; i < end; i++) {
            if (header[i] != ' ' && header[i] != 0) {
                throw new InvalidArchiveException("not a readable tar file: the %s field at byte %d is not octal".formatted(what, at));
            }
        }
        if (digits == 0) {
            throw new InvalidArchiveException("not a readable tar file: the %s field at byte %d is empty".formatted(what, at));
        }
        return value;
    }

    /** Both the unsigned and the signed sum are in use; the checksum field itself counts as spaces. */
    private void checkChecksum(long at) throws InvalidArchiveException {
        long stored = octal(148, 8, "checksum", at);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new InvalidArchiveException("not a readable tar file: the header at byte %d has a wrong checksum".formatted(at));
        }
    }

    /** @return false at the end of the stream (a partial block is an error) */
    private boolean readBlock() throws IOException, InvalidArchiveException {
        int read = in.readNBytes(header, 0, BLOCK);
        offset += read;
        if (read == 0) {
            return false;
        }
        if (read < BLOCK) {
            throw new InvalidArchiveException("it ends inside a header (at byte %d)".formatted(offset - read));
        }
        return true;
    }

    private void skip(long bytes) throws IOException {
        long left = bytes;
        byte[] buffer = left > 0 ? new byte[(int) Math.min(left, 1 << 16)] : null;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("the archive ends inside an entry's data");
            }
            left -= n;
            offset += n;
        }
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static boolean allZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String trimNuls(byte[] data) {
        int end = data.length;
        while (end > 0 && data[end - 1] == 0) {
            end--;
        }
        return new String(Arrays.copyOf(data, end), StandardCharsets.UTF_8);
    }

    /** The start of a name for a message: an attacker's name of a thousand characters is not repeated whole. */
    static String shorten(String name) {
        return name.length() <= 120 ? name : name.substring(0, 120) + "…";
    }
}
