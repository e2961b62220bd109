package com.modelpress.storage;

import java.io.IOException;

/**
 * The storage service refused or failed an operation: a missing bucket, denied access, an unreachable endpoint. The
 * message names the operation, the bucket and the key, and says what to check.
 */
public final class ArtifactStorageException extends IOException {

    public ArtifactStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
