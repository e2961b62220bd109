package com.modelpress.api.artifact;

/** A Range header that selects no byte of the artifact. */
public final class RangeNotSatisfiableException extends RuntimeException {

    private final long sizeBytes;

    RangeNotSatisfiableException(String range, long sizeBytes) {
        super("Range '%s' selects nothing in an artifact of %d bytes".formatted(range, sizeBytes));
        this.sizeBytes = sizeBytes;
    }

    /** The artifact's length, for {@code Content-Range: bytes *}{@code /length}. */
    public long sizeBytes() {
        return sizeBytes;
    }
}
