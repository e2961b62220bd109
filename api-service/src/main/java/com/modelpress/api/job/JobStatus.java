package com.modelpress.api.job;

/** Where a job is in its lifecycle; see {@link CompressionJob} for the allowed transitions. */
public enum JobStatus {
    QUEUED, RUNNING, EVALUATING, SUCCEEDED, FAILED, CANCELLING, CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
