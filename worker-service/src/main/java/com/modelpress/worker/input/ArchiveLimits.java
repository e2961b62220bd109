package com.modelpress.worker.input;

/**
 * What an uploaded archive may expand to, and how much of it may be read into memory.
 *
 * @param maxEntries     entries (files and folders) at most
 * @param maxTotalBytes  extracted bytes at most, all files together
 * @param maxRatio       extracted bytes per byte of the archive file at most
 * @param maxNameLength  characters of one entry's name at most (its whole path inside the archive)
 * @param maxHeaderBytes bytes of one entry's metadata at most: a tar's GNU long-name and PAX records, a zip's
 *                       central directory record (name, extra field and comment); the only parts of an archive held in
 *                       memory
 */
public record ArchiveLimits(int maxEntries, long maxTotalBytes, int maxRatio, int maxNameLength, int maxHeaderBytes) {

    static final int DEFAULT_MAX_NAME_LENGTH = 1024;
    static final int DEFAULT_MAX_HEADER_BYTES = 64 * 1024;

    public ArchiveLimits {
        if (maxEntries < 1 || maxTotalBytes < 1 || maxRatio < 1 || maxNameLength < 1 || maxHeaderBytes < 512) {
            throw new IllegalArgumentException("archive limits must be positive (header bytes at least 512)");
        }
    }

    /** With the default name and header limits. */
    public ArchiveLimits(int maxEntries, long maxTotalBytes, int maxRatio) {
        this(maxEntries, maxTotalBytes, maxRatio, DEFAULT_MAX_NAME_LENGTH, DEFAULT_MAX_HEADER_BYTES);
    }
}
