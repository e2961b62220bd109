package com.modelpress.api.job;

/**
 * A job ended, or made progress: published synchronously inside the transaction that changed the job, so that a
 * listener's writes (webhook deliveries) commit or roll back with the change.
 *
 * @param job      the job as {@code GET /api/v1/jobs/{id}} shows it after the change
 * @param progress only for {@link Change#PROGRESS}: the step the worker reported
 */
public record JobChanged(JobView job, Change change, Progress progress) {

    public enum Change { SUCCEEDED, FAILED, CANCELLED, PROGRESS }

    /**
     * @param fraction of the step, in [0, 1]
     * @param message  nullable
     */
    public record Progress(String step, double fraction, String message) {}
}
