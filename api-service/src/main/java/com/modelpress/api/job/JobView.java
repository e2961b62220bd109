package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.UUID;

/**
 * A job as the API shows it.
 *
 * @param owner   who submitted it (the owner of the API key)
 * @param attempt the attempt a worker last started: 1 for the first, one more for each retry the API published (at
 *                most {@link com.modelpress.contracts.job.Topology#JOB_ATTEMPT_LIMIT}); 0 while none has
 * @param error   nullable: why the job failed (or why its last attempt failed, while it waits for another)
 */
record JobView(
        UUID id,
        String owner,
        JobStatus status,
        String method,
        CompressionRequest request,
        Input input,
        int attempt,
        Error error,
        boolean reportAvailable,
        Timestamps timestamps,
        Links links) {

    /** @param sizeBytes length of the uploaded file */
    record Input(String name, long sizeBytes, String sha256) {}

    /** @param code stable machine-readable reason, e.g. {@code invalid_model}, {@code poison_message} */
    record Error(String code, String message) {}

    /** Each nullable until the job reached that point. */
    record Timestamps(Instant createdAt, Instant queuedAt, Instant startedAt, Instant evaluatingAt,
                      Instant finishedAt, Instant cancelRequestedAt, Instant updatedAt) {}

    record Links(String self, String events, String report, String artifacts, String cancel) {}

    static JobView from(CompressionJob job, JsonMapper json) {
        String self = JobController.BASE + "/" + job.id();
        return new JobView(
                job.id(),
                job.owner(),
                job.status(),
                job.method(),
                json.readValue(job.request(), CompressionRequest.class),
                new Input(job.inputName(), job.inputSizeBytes(), job.inputSha256()),
                job.attempt(),
                job.errorCode() == null ? null : new Error(job.errorCode(), job.errorMessage()),
                job.report() != null,
                new Timestamps(job.createdAt(), job.queuedAt(), job.startedAt(), job.evaluatingAt(),
                        job.finishedAt(), job.cancelRequestedAt(), job.updatedAt()),
                new Links(self, self + "/events", self + "/report", self + "/artifacts", self + "/cancel"));
    }
}
