package com.modelpress.storage;

/** A stream being stored exceeded the size limit; nothing was kept. */
public final class ArtifactTooLargeException extends java.io.IOException {

    private final long limitBytes;

    public ArtifactTooLargeException(String key, long limitBytes) {
        super("artifact '%s' exceeds the limit of %d bytes".formatted(key, limitBytes));
        this.limitBytes = limitBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
