package com.modelpress.api.job;

import java.util.UUID;

/** No job has this id. */
public final class JobNotFoundException extends RuntimeException {

    private final UUID jobId;

    public JobNotFoundException(UUID jobId) {
        super("Job %s does not exist".formatted(jobId));
        this.jobId = jobId;
    }

    public UUID jobId() {
        return jobId;
    }
}
