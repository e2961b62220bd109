package com.modelpress.api.job;

import com.modelpress.contracts.job.JobEvent;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.UUID;

/**
 * One compression job. Lifecycle: {@code QUEUED → RUNNING → EVALUATING → SUCCEEDED | FAILED}, and
 * {@code CANCELLING → CANCELLED} from any non-terminal state (a queued job is cancelled at once). Terminal
 * states are final. Every change is a guarded method that stamps its time; writes use optimistic locking.
 *
 * <p>Not thread-safe; one instance per persistence context.
 */
@Entity
@Table(name = "jobs")
class CompressionJob {

    @Id
    private UUID id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    private JobStatus status;

    @Column(nullable = false)
    private String method;

    /** Who submitted it: the owner of the API key; only they (and admins) see the job. */
    @Column(nullable = false, updatable = false)
    private String owner;

    /** The compression request as JSON, defaults filled in. */
    @Column(nullable = false, columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    private String request;

    @Column(nullable = false, columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    private String metadata;

    /** Nullable: no Idempotency-Key was sent. */
    private String idempotencyKey;

    /** SHA-256 of the canonical request JSON and the model's SHA-256. */
    @Column(nullable = false, columnDefinition = "bpchar(64)")
    private String requestHash;

    @Column(nullable = false)
    private String inputKey;
    @Column(nullable = false)
    private String inputName;
    @Column(nullable = false, columnDefinition = "bpchar(64)")
    private String inputSha256;
    @Column(name = "input_size", nullable = false)
    private long inputSizeBytes;

    /** Nullable: the calibration samples' artifact key and SHA-256, when the submit brought some. */
    private String calibrationKey;
    @Column(columnDefinition = "bpchar(64)")
    private String calibrationSha256;
    /**
     * Nullable: the text parts the submit brought ({@link JobTextParts.Stored} as JSON: calibration and evaluation text,
     * tokenizer, each with key, name and SHA-256), kept so that every attempt's job message carries them.
     */
    @Column(columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    private String textInputs;

    /**
     * The attempt a worker last started, 0 until one does. Attempts are numbered here: the submit's job message is
     * attempt 1 and every retry the API publishes is one more ({@link #markAttemptFailed}).
     */
    private int attempt;

    private String errorCode;
    private String errorMessage;

    /** The fidelity report as JSON; null until the job succeeded. */
    @Column(columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    private String report;

    /** The report's model kind and language-model numbers, as columns; null until the job succeeded. */
    @Embedded
    private ReportMetrics metrics;

    @Version
    private long version;

    private Instant queuedAt;
    private Instant startedAt;
    private Instant evaluatingAt;
    private Instant finishedAt;
    private Instant cancelRequestedAt;
    /** Set when the job was deleted: the API no longer shows it, and its objects and row are on their way out. */
    private Instant deletedAt;
    private Instant createdAt;
    private Instant updatedAt;

    protected CompressionJob() {
    }

    CompressionJob(UUID id, String owner, String method, String requestJson, String metadataJson, String idempotencyKey,
                   String requestHash, String inputKey, String inputName, String inputSha256, long inputSizeBytes,
                   String calibrationKey, String calibrationSha256, String textInputs) {
        this.id = id;
        this.status = JobStatus.QUEUED;
        this.owner = owner;
        this.method = method;
        this.request = requestJson;
        this.metadata = metadataJson;
        this.idempotencyKey = idempotencyKey;
        this.requestHash = requestHash;
        this.inputKey = inputKey;
        this.inputName = inputName;
        this.inputSha256 = inputSha256;
        this.inputSizeBytes = inputSizeBytes;
        this.calibrationKey = calibrationKey;
        this.calibrationSha256 = calibrationSha256;
        this.textInputs = textInputs;
        Instant now = now();
        this.createdAt = now;
        this.updatedAt = now;
        this.queuedAt = now;
    }

    /** A worker started delivery {@code attempt}; a higher attempt replaces a lost one. */
    void markRunning(int newAttempt) {
        boolean firstOrRetry = status == JobStatus.QUEUED && newAttempt > attempt;
        boolean workerLost = (status == JobStatus.RUNNING || status == JobStatus.EVALUATING) && newAttempt > attempt;
        if (!firstOrRetry && !workerLost) {
            throw illegal("start attempt " + newAttempt);
        }
        attempt = newAttempt;
        status = JobStatus.RUNNING;
        startedAt = touch();
        evaluatingAt = null;
    }

    void markEvaluating() {
        require("start evaluating", JobStatus.RUNNING);
        status = JobStatus.EVALUATING;
        evaluatingAt = touch();
    }

    /**
     * The attempt finished; a cancel that came too late loses to the finished result.
     *
     * @param reportJson the fidelity report as JSON
     * @param reportMetrics the same report's numbers that have columns of their own
     */
    void markSucceeded(String reportJson, ReportMetrics reportMetrics) {
        require("succeed", JobStatus.RUNNING, JobStatus.EVALUATING, JobStatus.CANCELLING);
        status = JobStatus.SUCCEEDED;
        report = reportJson;
        metrics = reportMetrics;
        errorCode = null;
        errorMessage = null;
        finishedAt = touch();
    }

    void markFailed(String code, String message) {
        requireNotTerminal("fail");
        status = JobStatus.FAILED;
        errorCode = code;
        errorMessage = message;
        finishedAt = touch();
    }

    /**
     * The current attempt failed, but another might succeed. Below {@code maxAttempts} attempts the job waits again,
     * remembering why the attempt failed, and the caller publishes attempt {@link #attempt()} + 1. At
     * {@code maxAttempts} it fails for good: with the attempt's code, or {@code poison_message} when the attempt's
     * worker was lost ({@link JobEvent#WORKER_LOST}: whatever the job brings kills its workers).
     *
     * @return true when another attempt is due, false when the job failed
     */
    boolean markAttemptFailed(String code, String message, int maxAttempts) {
        require("retry", JobStatus.RUNNING, JobStatus.EVALUATING);
        if (attempt >= maxAttempts) {
            markFailed(JobEvent.WORKER_LOST.equals(code) ? JobEventIntake.POISON_MESSAGE : code,
                    "%s (attempt %d of %d: giving up)".formatted(message, attempt, maxAttempts));
            return false;
        }
        status = JobStatus.QUEUED;
        errorCode = code;
        errorMessage = message;
        queuedAt = touch();
        return true;
    }

    /**
     * @return true when the job was cancelled at once (it was queued), false when a worker must stop it first
     *         or the cancel was already requested
     */
    boolean requestCancel() {
        if (status == JobStatus.CANCELLED || status == JobStatus.CANCELLING) {
            return status == JobStatus.CANCELLED;
        }
        requireNotTerminal("be cancelled");
        cancelRequestedAt = touch();
        if (status == JobStatus.QUEUED) {
            markCancelled();
            return true;
        }
        status = JobStatus.CANCELLING;
        return false;
    }

    void markCancelled() {
        requireNotTerminal("be cancelled");
        status = JobStatus.CANCELLED;
        finishedAt = touch();
    }

    /**
     * The job is deleted: it is gone for the API at once; its objects and then its row are removed after. Its
     * Idempotency-Key is free again.
     *
     * @throws JobActiveException when the job has not ended
     */
    void markDeleted() {
        if (!status.isTerminal()) {
            throw new JobActiveException(id, status);
        }
        idempotencyKey = null;
        deletedAt = touch();
    }

    private void require(String action, JobStatus... allowed) {
        if (!Set.of(allowed).contains(status)) {
            throw illegal(action);
        }
    }

    private void requireNotTerminal(String action) {
        if (status.isTerminal()) {
            throw illegal(action);
        }
    }

    private IllegalJobTransitionException illegal(String action) {
        return new IllegalJobTransitionException(id, action, status);
    }

    private Instant touch() {
        updatedAt = now();
        return updatedAt;
    }

    /** PostgreSQL keeps microseconds; truncating keeps cursors equal to what was stored. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    UUID id() { return id; }
    JobStatus status() { return status; }
    String method() { return method; }
    String owner() { return owner; }
    String request() { return request; }
    String metadata() { return metadata; }
    String idempotencyKey() { return idempotencyKey; }
    String requestHash() { return requestHash; }
    String inputKey() { return inputKey; }
    String inputName() { return inputName; }
    String inputSha256() { return inputSha256; }
    long inputSizeBytes() { return inputSizeBytes; }
    String calibrationKey() { return calibrationKey; }
    String calibrationSha256() { return calibrationSha256; }
    /** Nullable: see the field. */
    String textInputs() { return textInputs; }
    int attempt() { return attempt; }
    String errorCode() { return errorCode; }
    String errorMessage() { return errorMessage; }
    String report() { return report; }
    /** Nullable: no report yet (Hibernate also reads an embedded value of only nulls as null). */
    ReportMetrics metrics() { return metrics; }
    Instant queuedAt() { return queuedAt; }
    Instant startedAt() { return startedAt; }
    Instant evaluatingAt() { return evaluatingAt; }
    Instant finishedAt() { return finishedAt; }
    Instant cancelRequestedAt() { return cancelRequestedAt; }
    Instant deletedAt() { return deletedAt; }
    boolean deleted() { return deletedAt != null; }
    Instant createdAt() { return createdAt; }
    Instant updatedAt() { return updatedAt; }
}
