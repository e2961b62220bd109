package com.modelpress.contracts.job;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.modelpress.contracts.FidelityReport;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a worker reports about one attempt at a job. {@code jobId + attempt + sequence} identifies an event:
 * the API applies each at most once, so a redelivered event changes nothing. {@code sequence} starts at 1
 * and grows by one per event within an attempt. Sequence {@value #ABANDONED_SEQUENCE} is kept for one event: the
 * {@link Failed} with code {@value #WORKER_LOST} a worker publishes when the broker redelivers an attempt's message
 * that an earlier consumer took and never settled (it died, or its connection broke); every redelivery of that
 * attempt reports the same event, so the API applies it once.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = JobEvent.Started.class, name = "started"),
        @JsonSubTypes.Type(value = JobEvent.Progress.class, name = "progress"),
        @JsonSubTypes.Type(value = JobEvent.Heartbeat.class, name = "heartbeat"),
        @JsonSubTypes.Type(value = JobEvent.Succeeded.class, name = "succeeded"),
        @JsonSubTypes.Type(value = JobEvent.Failed.class, name = "failed"),
        @JsonSubTypes.Type(value = JobEvent.Cancelled.class, name = "cancelled")})
public sealed interface JobEvent {

    int SCHEMA_VERSION = 1;

    /** The sequence number of the {@value #WORKER_LOST} report of an attempt; a run's own events start at 1. */
    long ABANDONED_SEQUENCE = 0;

    /** {@code code} of a retryable {@link Failed}: the attempt's worker stopped without settling its message. */
    String WORKER_LOST = "worker_lost";

    UUID jobId();

    /** The {@link JobMessage#attempt()} of the job message the worker ran: counted by the API, 1 for the first. */
    int attempt();

    long sequence();

    Instant at();

    /** A worker took the job. */
    record Started(UUID jobId, int attempt, long sequence, Instant at, String workerId) implements JobEvent {}

    /**
     * A step advanced. Workers throttle these.
     *
     * @param step     e.g. {@code download}, {@code compress}, {@code evaluate}, {@code upload}
     * @param fraction progress of the step in [0, 1]
     * @param message  nullable human-readable detail
     */
    record Progress(UUID jobId, int attempt, long sequence, Instant at, String step, double fraction, String message)
            implements JobEvent {}

    /** The worker is alive and still on the job. */
    record Heartbeat(UUID jobId, int attempt, long sequence, Instant at) implements JobEvent {}

    /** The attempt finished: artifacts are stored and the report is final. */
    record Succeeded(UUID jobId, int attempt, long sequence, Instant at, List<ArtifactRef> artifacts,
                     FidelityReport report) implements JobEvent {
        public Succeeded {
            artifacts = List.copyOf(artifacts);
        }
    }

    /**
     * The attempt failed.
     *
     * @param code      stable machine-readable reason, e.g. {@code invalid_model}, {@code unsupported_model},
     *                  {@code internal_error}
     * @param retryable true when another attempt might succeed: the API then publishes the job's next attempt, or ends
     *                  the job when it has had {@link Topology#JOB_ATTEMPT_LIMIT} attempts
     */
    record Failed(UUID jobId, int attempt, long sequence, Instant at, String code, String message, boolean retryable)
            implements JobEvent {}

    /** The worker stopped the attempt because the job was cancelled. */
    record Cancelled(UUID jobId, int attempt, long sequence, Instant at) implements JobEvent {}
}
