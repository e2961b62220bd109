package com.modelpress.api.job;

import java.util.UUID;

/** A job that has not ended cannot be deleted: cancel it first. */
public final class JobActiveException extends RuntimeException {

    JobActiveException(UUID jobId, JobStatus status) {
        super("Job %s is %s; only a job that ended (SUCCEEDED, FAILED, CANCELLED) can be deleted. Cancel it first"
                .formatted(jobId, status));
    }
}
