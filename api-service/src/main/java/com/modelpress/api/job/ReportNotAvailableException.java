package com.modelpress.api.job;

import java.util.UUID;

/** The job exists but has no fidelity report (yet). */
public final class ReportNotAvailableException extends RuntimeException {

    ReportNotAvailableException(UUID jobId) {
        super("Job %s has no fidelity report; there is one once the job succeeded".formatted(jobId));
    }
}
