package com.modelpress.worker.attempt;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.ExecutionProvider;
import com.modelpress.files.FileTrees;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.worker.WorkerProperties;
import com.modelpress.worker.events.AttemptEvents;
import com.modelpress.worker.events.EventPublisher;
import com.modelpress.worker.events.ProgressThrottle;
import com.modelpress.worker.failure.InvalidRequestException;
import com.modelpress.worker.failure.JobCancelledException;
import com.modelpress.worker.failure.RejectedJobException;
import com.modelpress.worker.input.InputFetcher;
import com.modelpress.worker.input.JobTexts;
import com.modelpress.worker.sandbox.Engine;
import com.modelpress.worker.sandbox.EngineFailureException;
import com.modelpress.worker.sandbox.EngineTask;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one attempt at a job and reports it: {@code Started}, throttled {@code Progress}, a {@code Heartbeat}
 * every {@link WorkerProperties#heartbeatInterval()}, then exactly one terminal event, published with a
 * broker confirm before the caller settles the job message as the returned {@link Disposition} says.
 *
 * <p>The worker fetches the input and uploads the results; the {@link Engine} compresses and evaluates, by
 * default in a child JVM with a heap limit. The attempt may take {@link WorkerProperties#maxJobDuration()} from its
 * start. A crash or out-of-memory of the engine fails the attempt, not the worker (see {@code engineFailed}).
 *
 * <p>Attempts are numbered by the API, which counts them in the job's row ({@link JobMessage#attempt()}): an attempt
 * that may succeed when tried again ends with a retryable {@code Failed} event and its message is acknowledged all the
 * same; the API then publishes the next attempt, or ends the job once it has had {@link Topology#JOB_ATTEMPT_LIMIT}.
 * Nothing here depends on what the broker counts, so the limits hold on any broker.
 *
 * <p>Cancellation is honoured at every progress callback, while the engine's child runs (it is stopped) and
 * between steps (after the download, after the compression, after the upload); a cancelled attempt deletes what
 * it stored.
 *
 * <p>Thread-safe: every attempt has its own folder, events and progress state.
 */
public final class JobRunner {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    /** {@code error.code} of an attempt the worker's shutdown interrupted (retryable). */
    static final String WORKER_SHUTDOWN = "worker_shutdown";
    /** Longest window of a job's texts the worker accepts, in tokens (the API refuses longer ones first). */
    static final int MAX_CONTEXT = 8192;
    /** Most decode steps after each window the worker accepts. */
    static final int MAX_DECODE_STEPS = 1024;

    private final WorkerProperties properties;
    private final String workerId;
    private final ArtifactStore store;
    private final InputFetcher fetcher;
    private final ArtifactWriter writer;
    private final EventPublisher publisher;
    private final CancelledJobs cancelled;
    private final ScheduledExecutorService heartbeats;
    private final Engine engine;
    private final Clock clock;
    private final MeterRegistry meters;
    private final ExecutionProvider executionProvider;

    JobRunner(WorkerProperties properties, String workerId, ArtifactStore store, InputFetcher fetcher,
              ArtifactWriter writer, EventPublisher publisher, CancelledJobs cancelled,
              ScheduledExecutorService heartbeats, Engine engine, Clock clock, MeterRegistry meters,
              ExecutionProvider executionProvider) {
        this.properties = properties;
        this.workerId = workerId;
        this.store = store;
        this.fetcher = fetcher;
        this.writer = writer;
        this.publisher = publisher;
        this.cancelled = cancelled;
        this.heartbeats = heartbeats;
        this.engine = engine;
        this.clock = clock;
        this.meters = meters;
        this.executionProvider = executionProvider;
    }

    /**
     * Never throws for anything the job brings: every failure ends in a terminal event.
     *
     * @param job     a job message with a job id
     * @param attempt the message's {@link JobMessage#attempt()}
     */
    public Disposition run(JobMessage job, int attempt) {
        Timer.Sample sample = Timer.start(meters);
        AttemptEvents events = new AttemptEvents(publisher, job.jobId(), attempt, clock);
        Outcome outcome = cancelled.isCancelled(job.jobId())
                ? finish(events, JobEvent.Cancelled::new, "cancelled", Disposition.ACK)
                : runStarted(job, events);
        sample.stop(meters.timer("modelpress.worker.job.duration", "outcome", outcome.name()));
        log.info("job {} attempt {}: {} → {}", job.jobId(), attempt, outcome.name(), outcome.disposition());
        return outcome.disposition();
    }

    private record Outcome(String name, Disposition disposition) {}

    /**
     * The broker redelivered attempt {@code attempt}'s message: a consumer took it before and never settled it (its
     * worker died, was stopped past its grace period, or lost its connection), so that run's end is unknown. The
     * attempt is not run again under the same number (its events would collide with the lost run's): it is reported
     * lost with a retryable {@code Failed} event of code {@value JobEvent#WORKER_LOST} and sequence
     * {@value JobEvent#ABANDONED_SEQUENCE}, and the API, which counts attempts, publishes the next one or ends the job
     * ({@code poison_message}) after {@link Topology#JOB_ATTEMPT_LIMIT}. Every redelivery of the attempt reports the
     * same event, which the API applies once; an attempt that had in fact ended changes nothing.
     *
     * @return {@link Disposition#ACK} once the report is confirmed, else {@link Disposition#REQUEUE}
     */
    public Disposition abandoned(JobMessage job, int attempt) {
        JobEvent.Failed lost = new JobEvent.Failed(job.jobId(), attempt, JobEvent.ABANDONED_SEQUENCE, clock.instant(),
                JobEvent.WORKER_LOST, "attempt %d stopped without a result: its worker was lost (killed, crashed or "
                        .formatted(attempt) + "disconnected) before it settled the job", true);
        meters.counter("modelpress.worker.jobs", "outcome", JobEvent.WORKER_LOST).increment();
        boolean confirmed = publisher.publish(lost);
        log.warn("job {} attempt {} was redelivered: an earlier consumer never settled it; reported lost{}", job.jobId(),
                attempt, confirmed ? "" : ", but the report was not confirmed: requeueing it");
        return confirmed ? Disposition.ACK : Disposition.REQUEUE;
    }

    private Outcome runStarted(JobMessage job, AttemptEvents events) {
        int attempt = events.attempt();
        String prefix = ArtifactWriter.prefix(job.jobId(), attempt);
        events.send((jobId, a, sequence, at) -> new JobEvent.Started(jobId, a, sequence, at, workerId));
        long heartbeatMillis = properties.heartbeatInterval().toMillis();
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> heartbeat(events),
                heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
        ProgressReporter progress = new ProgressReporter(events, new ProgressThrottle(properties.progressInterval()),
                cancelled, clock);
        Instant deadline = clock.instant().plus(properties.maxJobDuration());
        Path folder = null;
        try {
            folder = Files.createTempDirectory(Files.createDirectories(properties.workDir()),
                    "job-%s-%d-".formatted(job.jobId(), attempt));
            checkMethod(job);
            EvaluationSettings evaluation = evaluation(job);

            Path model = fetcher.fetch(job, folder, progress);
            Path calibrationSamples = fetcher.fetchCalibration(job, folder, progress);
            JobTexts texts = fetcher.fetchTexts(job, folder, progress);
            progress.checkCancelled("download");
            Path output = Files.createDirectories(folder.resolve("output")).resolve(ArtifactWriter.MODEL);
            EngineTask task = new EngineTask(job.jobId(), model, output, calibrationSamples, job.request(),
                    evaluation.samples(), evaluation.seed(), properties.latencyRuns(), properties.autoBudget(),
                    evaluation.executionProvider(), texts);
            FidelityReport report = engine.run(task, Files.createDirectories(folder.resolve("engine")), deadline, progress);
            progress.flush();
            progress.checkCancelled("compression");
            List<ArtifactRef> artifacts = writer.write(prefix, output.getParent(), report, progress);
            progress.flush();
            progress.checkCancelled("upload");
            return finish(events, (jobId, a, sequence, at) -> new JobEvent.Succeeded(jobId, a, sequence, at, artifacts, report),
                    "succeeded", Disposition.ACK);
        } catch (JobCancelledException e) {
            log.info("{}", e.getMessage());
            deleteArtifacts(prefix);
            return finish(events, JobEvent.Cancelled::new, "cancelled", Disposition.ACK);
        } catch (RejectedJobException e) {
            return fail(events, prefix, e.code(), e.getMessage());
        } catch (InvalidModelException e) {
            return fail(events, prefix, "invalid_model", e.getMessage());
        } catch (UnsupportedModelException e) {
            return fail(events, prefix, "unsupported_model", e.getMessage());
        } catch (EngineFailureException e) {
            return engineFailed(job, events, prefix, e);
        } catch (OutOfMemoryError e) {
            // the worker's own heap, not the engine's child: the attempt fails like an engine out-of-memory, counted
            // and retried a few times at most, and the job never stays RUNNING
            log.error("job {} attempt {}: the worker ran out of memory", job.jobId(), attempt, e);
            return engineFailed(job, events, prefix, new EngineFailureException(EngineFailureException.Kind.OUT_OF_MEMORY,
                    "the worker ran out of memory during the attempt (%s)".formatted(e.getMessage())));
        } catch (Exception | Error e) { // the attempt's boundary: whatever is thrown ends the attempt with an event
            // storage, disk, broker or engine trouble: another attempt (maybe on another worker) may succeed
            return internalError(job, events, prefix, e);
        } finally {
            heartbeat.cancel(false);
            deleteFolder(folder);
        }
    }

    private Outcome internalError(JobMessage job, AttemptEvents events, String prefix, Throwable e) {
        int attempt = events.attempt();
        log.warn("job {} attempt {} failed", job.jobId(), attempt, e);
        deleteArtifacts(prefix);
        String reason = e.getClass().getSimpleName() + ": " + clientMessage(e.getMessage());
        if (jvmShuttingDown()) {
            return handBack(events, reason);
        }
        boolean last = attempt >= Topology.JOB_ATTEMPT_LIMIT;
        String message = reason + " (attempt %d of %d: %s)".formatted(attempt, Topology.JOB_ATTEMPT_LIMIT,
                last ? "giving up" : "trying again");
        return finish(events, (jobId, a, sequence, at) -> new JobEvent.Failed(jobId, a, sequence, at,
                "internal_error", message, !last), "internal_error", Disposition.ACK);
    }

    /** Absolute paths of folders, that is of this worker's file system: a user gets the file's name, not where it was. */
    private static final java.util.regex.Pattern FOLDERS = java.util.regex.Pattern.compile(
            "(?<![\\w.~:/-])/(?:[^/\\s'\"`:,;()\\[\\]<>]+/)+");

    /**
     * A message as a client may see it: without the worker's folders (issue 15, item 11). The log keeps the whole
     * message with its paths.
     *
     * @param message nullable
     */
    static String clientMessage(String message) {
        return message == null ? "" : FOLDERS.matcher(message).replaceAll("");
    }

    private static void heartbeat(AttemptEvents events) {
        try {
            events.send(JobEvent.Heartbeat::new);
        } catch (RuntimeException e) {
            // an exception would cancel the schedule: keep beating
            log.warn("heartbeat of job {} attempt {} failed", events.jobId(), events.attempt(), e);
        }
    }

    /**
     * A timeout ends the job. A crash or an out-of-memory fails the attempt: the job is tried again until it has
     * had {@link WorkerProperties#maxCrashAttempts()} attempts (the API's count, {@link JobMessage#attempt()}), and
     * then ends with the same code.
     */
    private Outcome engineFailed(JobMessage job, AttemptEvents events, String prefix, EngineFailureException e) {
        String code = e.kind().code();
        if (e.kind() == EngineFailureException.Kind.TIMED_OUT) {
            log.warn("job {} attempt {} exceeded max-job-duration ({}): {}", job.jobId(), events.attempt(),
                    properties.maxJobDuration(), e.getMessage());
            return fail(events, prefix, code, "the job ran longer than max-job-duration (%s); %s"
                    .formatted(describe(properties.maxJobDuration()), e.getMessage()));
        }
        int crashes = events.attempt();
        int limit = properties.maxCrashAttempts();
        log.warn("job {} attempt {} failed ({}, {} of {} such attempts): {}", job.jobId(), events.attempt(), code,
                crashes, limit, e.getMessage());
        if (crashes >= limit) {
            return fail(events, prefix, code, "%s (attempt %d of %d: giving up)".formatted(e.getMessage(), crashes, limit));
        }
        deleteArtifacts(prefix);
        String message = "%s (attempt %d of %d: trying again)".formatted(clientMessage(e.getMessage()), crashes, limit);
        return finish(events, (jobId, a, sequence, at) -> new JobEvent.Failed(jobId, a, sequence, at, code, message, true),
                code, Disposition.ACK);
    }

    /** "2h", "90s", "1h30m" */
    private static String describe(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private Outcome fail(AttemptEvents events, String prefix, String code, String reason) {
        deleteArtifacts(prefix);
        String message = clientMessage(reason);
        if (jvmShuttingDown()) {
            return handBack(events, message);
        }
        return finish(events, (jobId, a, sequence, at) -> new JobEvent.Failed(jobId, a, sequence, at, code, message, false),
                code, Disposition.ACK);
    }

    /**
     * The JVM is shutting down (SIGTERM): ONNX Runtime's own shutdown hook releases its environment at once, so an
     * attempt that was running fails for that reason, not for anything the job brought. It is handed back: a
     * retryable failure, for which the API publishes the next attempt (another worker takes it).
     */
    private Outcome handBack(AttemptEvents events, String cause) {
        log.info("job {} attempt {} stopped by the worker's shutdown ({}); handing it back", events.jobId(),
                events.attempt(), cause);
        return finish(events, (jobId, a, sequence, at) -> new JobEvent.Failed(jobId, a, sequence, at, WORKER_SHUTDOWN,
                "the worker shut down during the attempt; the job goes back to the queue", true),
                WORKER_SHUTDOWN, Disposition.ACK);
    }

    /** Whether JVM shutdown has begun: a shutdown hook can no longer be registered then. */
    static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /**
     * An unconfirmed terminal event must not be lost: the message is requeued, and its redelivery reports the attempt
     * lost ({@link #abandoned}), so the API decides what comes next whether or not the terminal event reached it.
     */
    private Outcome finish(AttemptEvents events, AttemptEvents.Factory terminal, String name, Disposition disposition) {
        meters.counter("modelpress.worker.jobs", "outcome", name).increment();
        if (events.finish(terminal)) {
            return new Outcome(name, disposition);
        }
        log.warn("terminal event of job {} attempt {} ({}) not confirmed; requeueing the job", events.jobId(),
                events.attempt(), name);
        return new Outcome(name, Disposition.REQUEUE);
    }

    /** Checks the job message and the method it asks for before any work is done. */
    private void checkMethod(JobMessage job) throws InvalidRequestException {
        if (job.schemaVersion() != JobMessage.SCHEMA_VERSION) {
            throw new InvalidRequestException("job message schemaVersion %d is not supported; this worker reads %d"
                    .formatted(job.schemaVersion(), JobMessage.SCHEMA_VERSION));
        }
        if (job.request() == null || job.inputKey() == null || job.inputSha256() == null) {
            throw new InvalidRequestException("job message lacks request, inputKey or inputSha256");
        }
        try {
            ArtifactStore.checkKey(job.inputKey());
            // the spec's rules (the API's) and what the engine's method needs on top
            EngineTask.method(job.request(), properties.autoBudget());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        boolean text = job.calibrationText() != null || job.evaluationText() != null;
        if (text != (job.tokenizer() != null)) {
            throw new InvalidRequestException(text ? "a calibration or evaluation text needs the model's tokenizer.json"
                    : "a tokenizer.json is only used with a calibration or evaluation text");
        }
        if (job.calibrationText() != null && job.calibrationKey() != null) {
            throw new InvalidRequestException("calibration samples and a calibration text exclude each other");
        }
    }

    /** Evaluation samples: the request's, else the worker's default (a text's: {@value EvaluationSettings#DEFAULT_TEXT_WINDOWS} windows). */
    private EvaluationSettings evaluation(JobMessage job) throws InvalidRequestException {
        CompressionRequest.EvaluationSpec spec = job.request().evaluation();
        int samples = spec.samples() != null ? spec.samples() : job.evaluationText() != null
                ? Math.min(EvaluationSettings.DEFAULT_TEXT_WINDOWS, properties.maxEvaluationSamples())
                : properties.evaluationSamples();
        if (samples < 1 || samples > properties.maxEvaluationSamples()) {
            throw new InvalidRequestException("evaluation.samples must be between 1 and %d, was %d"
                    .formatted(properties.maxEvaluationSamples(), samples));
        }
        if (spec.context() != null && (spec.context() < 2 || spec.context() > MAX_CONTEXT)) {
            throw new InvalidRequestException("evaluation.context must be between 2 and %d tokens, was %d"
                    .formatted(MAX_CONTEXT, spec.context()));
        }
        if (spec.decodeSteps() != null && (spec.decodeSteps() < 0 || spec.decodeSteps() > MAX_DECODE_STEPS)) {
            throw new InvalidRequestException("evaluation.decodeSteps must be between 0 and %d, was %d"
                    .formatted(MAX_DECODE_STEPS, spec.decodeSteps()));
        }
        com.modelpress.contracts.DeclaredInputs declared = spec.declaredInputs();
        List<com.modelpress.contracts.DeclaredInputs.Problem> problems = declared.problems(samples);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(String.join("; ", problems.stream().map(Object::toString).toList()));
        }
        if (!declared.isEmpty() && job.evaluationText() != null) {
            throw new InvalidRequestException("evaluation.shapes, evaluation.dims and evaluation.values shape synthesised "
                    + "samples; a job with an evaluation text is scored on the text");
        }
        return new EvaluationSettings(samples, spec.seedOrDefault(), null, properties.latencyRuns(), Map.of(),
                executionProvider).withInputs(declared);
    }

    private void deleteArtifacts(String prefix) {
        try {
            store.deleteAll(prefix);
        } catch (IOException | RuntimeException e) {
            log.warn("could not delete the artifacts under {}", prefix, e);
        }
    }

    private static void deleteFolder(Path folder) {
        try {
            FileTrees.delete(folder);
        } catch (IOException e) {
            log.warn("could not delete work folder {}", folder, e);
        }
    }
}
