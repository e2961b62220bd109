package com.modelpress.worker.input;

import com.modelpress.worker.failure.InvalidArchiveException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Walks a zip file's central directory, record by record and without keeping any of it, before commons-compress's
 * {@code ZipFile} reads it into memory. {@code ZipFile} reads central directory records for as long as their signature
 * follows, whatever the end record declares, and keeps every one; so this check finds the end record (and the zip64
 * one) exactly as {@code ZipFile} does, and refuses unless the directory ends exactly where that record begins, holds
 * at most {@link ArchiveLimits#maxEntries()} records, each with a name of at most {@link ArchiveLimits#maxNameLength()}
 * bytes and at most {@link ArchiveLimits#maxHeaderBytes()} of name, extra field and comment, and as many records as
 * the end record declares. What {@code ZipFile} then holds is bounded by those limits. A zip without a central
 * directory (local headers only) is refused here, as {@code ZipFile} refuses it.
 *
 * <p>Thread-safe: no state.
 */
final class ZipDirectoryCheck {

    private static final int EOCD_SIGNATURE = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
    private static final int ZIP64_EOCD_SIGNATURE = 0x06064b50;
    private static final int CENTRAL_SIGNATURE = 0x02014b50;
    private static final int EOCD_LENGTH = 22;
    private static final int ZIP64_LOCATOR_LENGTH = 20;
    private static final int ZIP64_EOCD_LENGTH = 56;
    private static final int CENTRAL_FIXED = 46;
    private static final int MAX_COMMENT = 0xffff;

    private ZipDirectoryCheck() {
    }

    /** @return the number of entries the central directory holds */
    static int check(Path zip, ArchiveLimits limits) throws IOException, InvalidArchiveException {
        try (FileChannel channel = FileChannel.open(zip, StandardOpenOption.READ)) {
            long size = channel.size();
            long eocd = findEndRecord(channel, size);
            ByteBuffer end = read(channel, eocd, EOCD_LENGTH);
            if (end.getShort(4) != 0 || end.getShort(6) != 0) {
                throw new InvalidArchiveException("split (multi-disk) zip files are not supported");
            }
            long declared = end.getShort(10) & 0xffff;
            long directorySize = end.getInt(12) & 0xffffffffL;
            long directoryOffset = end.getInt(16) & 0xffffffffL;
            long directoryEnd = eocd;
            if (eocd >= ZIP64_LOCATOR_LENGTH
                    && read(channel, eocd - ZIP64_LOCATOR_LENGTH, 4).getInt(0) == ZIP64_LOCATOR_SIGNATURE) {
                long zip64End = read(channel, eocd - ZIP64_LOCATOR_LENGTH, ZIP64_LOCATOR_LENGTH).getLong(8);
                if (zip64End < 0 || zip64End > size - ZIP64_EOCD_LENGTH) {
                    throw new InvalidArchiveException("the zip64 end record lies outside the file");
                }
                ByteBuffer zip64 = read(channel, zip64End, ZIP64_EOCD_LENGTH);
                if (zip64.getInt(0) != ZIP64_EOCD_SIGNATURE) {
                    throw new InvalidArchiveException("the zip64 locator points at no zip64 end record");
                }
                if (zip64.getInt(16) != 0 || zip64.getInt(20) != 0) {
                    throw new InvalidArchiveException("split (multi-disk) zip files are not supported");
                }
                declared = zip64.getLong(32);
                directorySize = zip64.getLong(40);
                directoryOffset = zip64.getLong(48);
                directoryEnd = zip64End;
            }
            if (declared < 0 || declared > limits.maxEntries()) {
                throw new InvalidArchiveException("it declares %s entries, more than the limit of %d".formatted(
                        declared < 0 ? "more than 2^63" : Long.toString(declared), limits.maxEntries()));
            }
            if (directoryOffset < 0 || directorySize < 0 || directoryOffset > directoryEnd
                    || directoryEnd - directoryOffset != directorySize) {
                throw new InvalidArchiveException("its central directory does not end where its end record begins");
            }
            int records = walk(channel, directoryOffset, directoryEnd, limits);
            if (records != declared) {
                throw new InvalidArchiveException("it declares %d entries but its central directory holds %d"
                        .formatted(declared, records));
            }
            return records;
        }
    }

    /** The position of the end record, searched backwards from the end over the longest possible comment. */
    private static long findEndRecord(FileChannel channel, long size) throws IOException, InvalidArchiveException {
        if (size < EOCD_LENGTH) {
            throw new InvalidArchiveException("not a readable zip file (too short)");
        }
        long lowest = Math.max(0, size - EOCD_LENGTH - MAX_COMMENT);
        ByteBuffer tail = read(channel, lowest, (int) (size - lowest));
        for (int position = tail.limit() - EOCD_LENGTH; position >= 0; position--) {
            if (tail.getInt(position) == EOCD_SIGNATURE) {
                return lowest + position;
            }
        }
        throw new InvalidArchiveException("not a readable zip file (no end of central directory record; a zip of local "
                + "headers only is not accepted)");
    }

    private static int walk(FileChannel channel, long start, long end, ArchiveLimits limits)
            throws IOException, InvalidArchiveException {
        int records = 0;
        long position = start;
        while (position < end) {
            if (end - position < CENTRAL_FIXED) {
                throw new InvalidArchiveException("its central directory ends inside a record");
            }
            ByteBuffer fixed = read(channel, position, CENTRAL_FIXED);
            if (fixed.getInt(0) != CENTRAL_SIGNATURE) {
                throw new InvalidArchiveException(("its central directory holds something that is not an entry record "
                        + "at byte %d").formatted(position));
            }
            if (++records > limits.maxEntries()) {
                throw new InvalidArchiveException("its central directory holds more than the limit of %d entries"
                        .formatted(limits.maxEntries()));
            }
            int name = fixed.getShort(28) & 0xffff;
            int extra = fixed.getShort(30) & 0xffff;
            int comment = fixed.getShort(32) & 0xffff;
            if (name > limits.maxNameLength()) {
                throw new InvalidArchiveException("entry %d has a name of %d bytes, more than the limit of %d"
                        .formatted(records, name, limits.maxNameLength()));
            }
            if (name + extra + comment > limits.maxHeaderBytes()) {
                throw new InvalidArchiveException(("entry %d has %d bytes of name, extra field and comment, more than "
                        + "the limit of %d").formatted(records, name + extra + comment, limits.maxHeaderBytes()));
            }
            position += CENTRAL_FIXED + name + extra + comment;
        }
        if (position != end) {
            throw new InvalidArchiveException("its last central directory record runs past the end record");
        }
        return records;
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException, InvalidArchiveException {
        if (position < 0 || position + length > channel.size()) {
            throw new InvalidArchiveException("not a readable zip file (a record lies outside the file)");
        }
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new InvalidArchiveException("not a readable zip file (it ends early)");
            }
        }
        return buffer.flip();
    }
}
