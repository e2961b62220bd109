package com.modelpress.worker.run;

/**
 * What an uploaded archive may expand to.
 *
 * @param maxEntries    entries (files and folders) at most
 * @param maxTotalBytes extracted bytes at most, all files together
 * @param maxRatio      extracted bytes per byte of the archive file at most
 */
record ArchiveLimits(int maxEntries, long maxTotalBytes, int maxRatio) {}
