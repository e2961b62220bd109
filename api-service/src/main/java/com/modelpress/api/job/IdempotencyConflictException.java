package com.modelpress.api.job;

import java.util.UUID;

/** An Idempotency-Key reused with a different request or model than the job it created. */
public final class IdempotencyConflictException extends RuntimeException {

    private final String key;
    private final UUID existingJobId;

    IdempotencyConflictException(String key, UUID existingJobId) {
        super("Idempotency-Key '%s' was already used for job %s with a different request or model"
                .formatted(key, existingJobId));
        this.key = key;
        this.existingJobId = existingJobId;
    }

    public String key() {
        return key;
    }

    public UUID existingJobId() {
        return existingJobId;
    }
}
