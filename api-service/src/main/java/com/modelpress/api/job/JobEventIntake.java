package com.modelpress.api.job;

import com.modelpress.api.outbox.Outbox;
import com.modelpress.api.tracing.TraceContexts;
import com.modelpress.contracts.job.CancelMessage;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

import java.util.Optional;
import java.util.UUID;

/**
 * Applies workers' events to jobs, at most once each: an event already in the log changes nothing, and an event that
 * arrives after the job ended is not recorded (a started run is told to stop). A retryable failure of the job's
 * current attempt queues the next attempt's job message in the outbox, in the same transaction, until the job has had
 * {@link Topology#JOB_ATTEMPT_LIMIT} attempts (counted in the job's row, whatever the broker counts). Runs in
 * the caller's transaction so that the caller can record more (e.g. artifacts) atomically and retry on an
 * optimistic-lock conflict. A change other features care about (the job ended, or made progress) is announced as a
 * {@link JobChanged} event in that same transaction. Thread-safe.
 */
@Component
public class JobEventIntake {

    private static final Logger log = LoggerFactory.getLogger(JobEventIntake.class);
    static final String EVALUATE_STEP = "evaluate";
    static final String POISON_MESSAGE = "poison_message";

    /** What became of an event. */
    public enum Outcome {
        /** The job changed (or the event was logged for a live attempt). */
        APPLIED,
        /** Seen before: nothing done. */
        DUPLICATE,
        /** Logged, but it cannot change the job (older attempt, illegal transition). */
        RECORDED_ONLY,
        /** The job had already ended: not logged, so its history ends at its one terminal event. */
        AFTER_END,
        /** No such job: dropped. */
        UNKNOWN_JOB
    }

    private final JobRepository jobs;
    private final JobEventLog eventLog;
    private final Outbox outbox;
    private final JsonMapper json;
    private final ApplicationEventPublisher publisher;
    private final TraceContexts traces;

    JobEventIntake(JobRepository jobs, JobEventLog eventLog, Outbox outbox, JsonMapper json,
                   ApplicationEventPublisher publisher, TraceContexts traces) {
        this.jobs = jobs;
        this.eventLog = eventLog;
        this.outbox = outbox;
        this.json = json;
        this.publisher = publisher;
        this.traces = traces;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public Outcome apply(JobEvent event) {
        traces.tagCurrent(TraceContexts.JOB_ID, event.jobId().toString());
        Optional<CompressionJob> found = jobs.findById(event.jobId());
        if (found.isEmpty()) {
            log.warn("event {} for unknown job {} dropped", typeOf(event), event.jobId());
            return Outcome.UNKNOWN_JOB;
        }
        CompressionJob job = found.get();
        if (job.status().isTerminal()) {
            // a duplicate or late delivery of the job message ran after the job ended: nothing it reports may reach
            // the job's record (a second terminal event, say); a run that just started is told to stop
            if (event instanceof JobEvent.Started) {
                outbox.enqueue(new CancelMessage(CancelMessage.SCHEMA_VERSION, job.id()));
            }
            log.info("event {} attempt {} #{} of job {}, which ended {}, not recorded", typeOf(event), event.attempt(),
                    event.sequence(), job.id(), job.status());
            return Outcome.AFTER_END;
        }
        if (!eventLog.append(event.jobId(), event.attempt(), event.sequence(), typeOf(event), event.at(),
                json.writeValueAsString(event))) {
            return Outcome.DUPLICATE;
        }
        if (event instanceof JobEvent.Started && job.status() == JobStatus.CANCELLING) {
            // a worker took a job the user cancelled: tell it to stop
            outbox.enqueue(new CancelMessage(CancelMessage.SCHEMA_VERSION, job.id()));
            return Outcome.APPLIED;
        }
        if (event.attempt() < job.attempt()) {
            return Outcome.RECORDED_ONLY;
        }
        JobStatus before = job.status();
        try {
            Outcome outcome = change(job, event);
            announce(job, before, event);
            return outcome;
        } catch (IllegalJobTransitionException e) {
            log.warn("event {} attempt {} #{} ignored: {}", typeOf(event), event.attempt(), event.sequence(), e.getMessage());
            return Outcome.RECORDED_ONLY;
        }
    }

    private Outcome change(CompressionJob job, JobEvent event) {
        if (!(event instanceof JobEvent.Started) && event.attempt() > job.attempt() && job.status() != JobStatus.CANCELLING) {
            // the Started event of this attempt is missing or late: the attempt evidently started
            job.markRunning(event.attempt());
        }
        switch (event) {
            case JobEvent.Started started -> {
                if (started.attempt() > job.attempt()) {
                    job.markRunning(started.attempt());
                }
            }
            case JobEvent.Progress progress -> {
                if (EVALUATE_STEP.equals(progress.step()) && job.status() == JobStatus.RUNNING) {
                    job.markEvaluating();
                }
            }
            case JobEvent.Heartbeat heartbeat -> {
                // logged; the job does not change
            }
            case JobEvent.Succeeded succeeded -> job.markSucceeded(json.writeValueAsString(succeeded.report()),
                    succeeded.report() == null ? null : ReportMetrics.of(succeeded.report()));
            case JobEvent.Failed failed -> {
                if (!failed.retryable()) {
                    job.markFailed(failed.code(), failed.message());
                } else if (job.status() == JobStatus.CANCELLING) {
                    job.markCancelled();
                } else if (job.markAttemptFailed(failed.code(), failed.message(), Topology.JOB_ATTEMPT_LIMIT)) {
                    outbox.enqueue(jobMessage(job, json, job.attempt() + 1));
                } else {
                    log.warn("job {} failed after {} attempts: {} {}", job.id(), job.attempt(), job.errorCode(),
                            job.errorMessage());
                }
            }
            case JobEvent.Cancelled cancelled -> job.markCancelled();
        }
        return Outcome.APPLIED;
    }

    /** Publishes a {@link JobChanged} when the job ended or reported progress. */
    private void announce(CompressionJob job, JobStatus before, JobEvent event) {
        JobChanged.Change change = switch (job.status()) {
            case SUCCEEDED -> JobChanged.Change.SUCCEEDED;
            case FAILED -> JobChanged.Change.FAILED;
            case CANCELLED -> JobChanged.Change.CANCELLED;
            case QUEUED, RUNNING, EVALUATING, CANCELLING ->
                    event instanceof JobEvent.Progress ? JobChanged.Change.PROGRESS : null;
        };
        if (change == null || (change != JobChanged.Change.PROGRESS && before == job.status())) {
            return;
        }
        JobChanged.Progress progress = event instanceof JobEvent.Progress p && change == JobChanged.Change.PROGRESS
                ? new JobChanged.Progress(p.step(), p.fraction(), p.message()) : null;
        publisher.publishEvent(new JobChanged(JobView.from(job, json), change, progress));
    }

    /**
     * The job message was dead-lettered after too many deliveries: no worker could finish it.
     *
     * @param deliveries how often it was delivered
     * @return false when there is no such job or it had already ended
     */
    @Transactional
    public boolean failPoisoned(UUID jobId, long deliveries) {
        Optional<CompressionJob> job = jobs.findById(jobId).filter(j -> !j.status().isTerminal());
        job.ifPresent(j -> {
            j.markFailed(POISON_MESSAGE, "delivered %d times without finishing".formatted(deliveries));
            publisher.publishEvent(new JobChanged(JobView.from(j, json), JobChanged.Change.FAILED, null));
        });
        return job.isPresent();
    }

    /** The job message of attempt {@code attempt} at the job, as the outbox publishes it. */
    static JobMessage jobMessage(CompressionJob job, JsonMapper json, int attempt) {
        JobTextParts.Stored texts = job.textInputs() == null ? JobTextParts.Stored.NONE
                : json.readValue(job.textInputs(), JobTextParts.Stored.class);
        return new JobMessage(JobMessage.SCHEMA_VERSION, job.id(), job.inputKey(), job.inputName(), job.inputSha256(),
                json.readValue(job.request(), CompressionRequest.class), job.createdAt(), job.calibrationKey(),
                job.calibrationSha256(), texts.calibrationText(), texts.evaluationText(), texts.tokenizer(), attempt);
    }

    static String typeOf(JobEvent event) {
        return switch (event) {
            case JobEvent.Started e -> "started";
            case JobEvent.Progress e -> "progress";
            case JobEvent.Heartbeat e -> "heartbeat";
            case JobEvent.Succeeded e -> "succeeded";
            case JobEvent.Failed e -> "failed";
            case JobEvent.Cancelled e -> "cancelled";
        };
    }
}
