package com.modelpress.api.job;

import com.modelpress.api.outbox.Outbox;
import com.modelpress.api.security.Caller;
import com.modelpress.api.security.LimitProperties;
import com.modelpress.api.tracing.TraceContexts;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.files.Sha256;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Accepts a job: checks the request (its webhook through the {@link JobWebhookPolicy}, its text parts through
 * {@link JobTextParts}), the file names and the owner's active-job limit, and only then streams the model (the
 * calibration samples, the texts) into artifact storage and records the job and its job message in one transaction (the
 * outbox relay publishes it). What a refused submit stored is deleted again. Thread-safe.
 */
@Component
class JobSubmission {

    private static final Logger log = LoggerFactory.getLogger(JobSubmission.class);
    private static final int MAX_FILE_NAME = 128;
    /** The archive forms the worker reads, by name: zip, tar, gzip-compressed tar. */
    private static final Pattern ARCHIVE = Pattern.compile(".+\\.(zip|tar|tgz|tar\\.gz)");
    /** Jobs that count against an owner's limit. */
    private static final Set<JobStatus> ACTIVE = EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.EVALUATING,
            JobStatus.CANCELLING);

    private final JobRepository jobs;
    private final Outbox outbox;
    private final ArtifactStore store;
    private final TransactionTemplate transactions;
    private final JsonMapper json;
    private final ApiProperties properties;
    private final LimitProperties limits;
    private final JdbcClient jdbc;
    private final JobTextParts textParts;
    private final JobWebhookPolicy webhookPolicy;
    private final TraceContexts traces;

    JobSubmission(JobRepository jobs, Outbox outbox, ArtifactStore store, TransactionTemplate transactions,
                  JsonMapper json, ApiProperties properties, LimitProperties limits, JdbcClient jdbc,
                  JobTextParts textParts, JobWebhookPolicy webhookPolicy, TraceContexts traces) {
        this.webhookPolicy = webhookPolicy;
        this.traces = traces;
        this.jobs = jobs;
        this.outbox = outbox;
        this.store = store;
        this.transactions = transactions;
        this.json = json;
        this.properties = properties;
        this.limits = limits;
        this.jdbc = jdbc;
        this.textParts = textParts;
    }

    /** @param created false when {@code job} is the one an earlier submit with the same Idempotency-Key made */
    record Submitted(JobView job, boolean created) {}

    /**
     * @param owner          the job's owner: the caller's; its idempotency keys are its own
     * @param idempotencyKey nullable
     * @param calibration    nullable: a .zip/.tar/.tar.gz/.tgz of calibration sample folders
     * @param texts          the language-model parts (texts and tokenizer), each nullable; checked before anything is
     *                       stored ({@link JobTextParts#check})
     * @throws MalformedCompressionRequestException, InvalidCompressionRequestException,
     *         InvalidModelFileException, InvalidTextFileException, InvalidTokenizerFileException,
     *         RequestPartTooLargeException, IdempotencyConflictException, ActiveJobLimitException,
     *         com.modelpress.storage.ArtifactTooLargeException (nothing is kept)
     */
    Submitted submit(Caller caller, String idempotencyKey, MultipartFile model, String requestJson,
                     MultipartFile calibration, JobTextParts.Uploads texts) throws IOException {
        // every check that needs no storage comes first: nothing is stored for a request that fails one
        CompressionRequest request = parse(requestJson);
        CompressionRequestRules.check(request);
        if (request.webhook() != null) {
            List<InvalidCompressionRequestException.Violation> violations = webhookPolicy.check(request.webhook(), caller);
            if (!violations.isEmpty()) {
                throw new InvalidCompressionRequestException(violations);
            }
        }
        String fileName = safeFileName(model.getOriginalFilename());
        if (model.isEmpty()) {
            throw new InvalidModelFileException(fileName, "is empty");
        }
        JobTextParts.Texts checkedTexts = textParts.check(request, texts, calibration != null && !calibration.isEmpty());
        boolean withCalibration = calibration != null && !calibration.isEmpty();
        String calibrationName = withCalibration ? safeCalibrationName(calibration.getOriginalFilename()) : null;
        if (idempotencyKey == null) {
            // cheap early refusal; checked again, exactly, when the job is recorded
            checkActiveJobs(caller);
        }

        UUID id = UUID.randomUUID();
        String inputKey = "jobs/%s/input/%s".formatted(id, fileName);
        StoredArtifact input;
        StoredArtifact calibrationSamples = null;
        try {
            try (InputStream content = model.getInputStream()) {
                input = store.put(inputKey, content, properties.maxUploadSize().toBytes());
            }
            if (withCalibration) {
                try (InputStream content = calibration.getInputStream()) {
                    calibrationSamples = store.put("jobs/%s/input/calibration/%s".formatted(id, calibrationName),
                            content, properties.maxUploadSize().toBytes());
                }
            }
        } catch (IOException | RuntimeException e) {
            deleteInput(id);
            throw e;
        }
        JobTextParts.Stored storedTexts;
        try {
            storedTexts = textParts.store(id, checkedTexts);
        } catch (IOException | RuntimeException e) {
            deleteInput(id);
            throw e;
        }
        String canonicalRequest = json.writeValueAsString(request);
        String requestHash = Sha256.of(canonicalRequest + "\n" + input.sha256()
                + (calibrationSamples == null ? "" : "\n" + calibrationSamples.sha256()) + checkedTexts.digests());
        CompressionJob job = new CompressionJob(id, caller.owner(), request.method(), canonicalRequest,
                json.writeValueAsString(request.metadata()), idempotencyKey, requestHash,
                inputKey, fileName, input.sha256(), input.sizeBytes(),
                calibrationSamples == null ? null : calibrationSamples.key(),
                calibrationSamples == null ? null : calibrationSamples.sha256(),
                storedTexts.any() ? json.writeValueAsString(storedTexts) : null);
        try {
            Submitted submitted = transactions.execute(status -> insertOrReplay(caller, job));
            if (!submitted.created()) {
                deleteInput(id);
            }
            return submitted;
        } catch (DataIntegrityViolationException raced) {
            // another submit with the same Idempotency-Key committed first
            deleteInput(id);
            return transactions.execute(status -> replay(job).orElseThrow(() -> raced));
        } catch (RuntimeException e) {
            deleteInput(id);
            throw e;
        }
    }

    private Submitted insertOrReplay(Caller caller, CompressionJob job) {
        Optional<Submitted> replayed = replay(job);
        if (replayed.isPresent()) {
            return replayed.get();
        }
        if (!caller.admin()) {
            // one submit at a time per owner from here to commit, so that the count below stays true
            jdbc.sql("select pg_advisory_xact_lock(hashtext(:owner))").param("owner", "modelpress-owner:" + job.owner())
                    .query((rs, row) -> 1).single();
            checkActiveJobs(caller);
        }
        jobs.saveAndFlush(job);
        traces.tagCurrent(TraceContexts.JOB_ID, job.id().toString());
        outbox.enqueue(JobEventIntake.jobMessage(job, json, 1));
        return new Submitted(JobView.from(job, json), true);
    }

    private Optional<Submitted> replay(CompressionJob candidate) {
        if (candidate.idempotencyKey() == null) {
            return Optional.empty();
        }
        return jobs.findByOwnerAndIdempotencyKey(candidate.owner(), candidate.idempotencyKey()).map(existing -> {
            if (!existing.requestHash().equals(candidate.requestHash())) {
                throw new IdempotencyConflictException(candidate.idempotencyKey(), existing.id());
            }
            return new Submitted(JobView.from(existing, json), false);
        });
    }

    /** Admins are exempt: the limit protects the service from its users, not from its operators. */
    private void checkActiveJobs(Caller caller) {
        if (caller.admin()) {
            return;
        }
        long active = jobs.countByOwnerAndStatusIn(caller.owner(), ACTIVE);
        if (active >= limits.maxActiveJobsPerOwner()) {
            throw new ActiveJobLimitException(caller.owner(), active, limits.maxActiveJobsPerOwner());
        }
    }

    private CompressionRequest parse(String requestJson) {
        try {
            CompressionRequest request = json.readValue(requestJson, CompressionRequest.class);
            if (request == null) {
                throw new MalformedCompressionRequestException("it is empty");
            }
            return request;
        } catch (JacksonException e) {
            throw new MalformedCompressionRequestException(e.getOriginalMessage());
        }
    }

    /**
     * The model's file name: the last path segment, reduced to {@code [A-Za-z0-9._-]}. The name must say what the file
     * is: {@code .onnx}, or an archive ({@link #ARCHIVE}); the worker reads an archive by its content.
     */
    static String safeFileName(String original) {
        String name = reduced(original);
        String lower = name.toLowerCase(Locale.ROOT);
        if (!(lower.endsWith(".onnx") || ARCHIVE.matcher(lower).matches()) || lower.indexOf('.') == 0) {
            throw new InvalidModelFileException(original, "is not a .onnx file or a .zip, .tar, .tar.gz or .tgz archive");
        }
        return name;
    }

    /** The calibration samples' file name, reduced as {@link #safeFileName}: an archive ({@link #ARCHIVE}). */
    static String safeCalibrationName(String original) {
        String name = reduced(original);
        if (!ARCHIVE.matcher(name.toLowerCase(Locale.ROOT)).matches() || name.indexOf('.') == 0) {
            throw new InvalidModelFileException(original,
                    "is not a .zip, .tar, .tar.gz or .tgz archive of calibration samples");
        }
        return name;
    }

    private static String reduced(String original) {
        String name = original == null ? "" : original.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.]+", "");
        if (name.length() > MAX_FILE_NAME) {
            name = name.substring(name.length() - MAX_FILE_NAME);
        }
        return name;
    }

    private void deleteInput(UUID id) {
        try {
            store.deleteAll("jobs/%s/input".formatted(id));
        } catch (IOException | RuntimeException e) {
            log.warn("could not delete the unused upload of {}: {}", id, e.toString());
        }
    }
}
