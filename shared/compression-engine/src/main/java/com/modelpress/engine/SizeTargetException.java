package com.modelpress.engine;

/**
 * A size target this model cannot be fitted to: below what the narrowest encoding (every quantizable tensor at 2 bits
 * in the largest block) plus what must stay as stored takes. Raised before any work is done.
 */
public final class SizeTargetException extends InvalidModelException {

    private final long targetBytes;
    private final long floorBytes;

    SizeTargetException(long targetBytes, long floorBytes, String message) {
        super(message);
        this.targetBytes = targetBytes;
        this.floorBytes = floorBytes;
    }

    /** What was asked for, in the unit the message states (bytes, or weight bytes for a bits-per-weight target). */
    public long targetBytes() {
        return targetBytes;
    }

    /** The smallest this model can be made, in the same unit. */
    public long floorBytes() {
        return floorBytes;
    }
}
