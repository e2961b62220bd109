package com.modelpress.api.job;

import java.util.UUID;

/** A state change the lifecycle does not allow, e.g. cancelling a job that already succeeded. */
public final class IllegalJobTransitionException extends IllegalStateException {

    private final UUID jobId;
    private final JobStatus from;

    IllegalJobTransitionException(UUID jobId, String action, JobStatus from) {
        super("Job %s cannot %s from %s".formatted(jobId, action, from));
        this.jobId = jobId;
        this.from = from;
    }

    public UUID jobId() {
        return jobId;
    }

    public JobStatus from() {
        return from;
    }
}
