package com.modelpress.api.job;

import com.modelpress.api.security.Caller;
import com.modelpress.api.web.ProblemResponses;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityVerdict;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import jakarta.servlet.http.Part;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

@RestController
@RequestMapping(JobController.BASE)
@Tag(name = "jobs", description = "Submit compression jobs, follow them, cancel them, read their reports")
class JobController {

    static final String BASE = "/api/v1/jobs";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final int MAX_IDEMPOTENCY_KEY = 255;
    /** The kinds of model a report recognises ({@code FidelityReport.ModelInfo.kind}). */
    static final List<String> MODEL_KINDS = List.of("decoder-lm", "encoder", "vision", "other");

    private final JobSubmission submission;
    private final JobQueries queries;
    private final JobCancellation cancellation;
    private final JobEventStream eventStream;
    private final JobRetention retention;
    private final ApiProperties properties;

    JobController(JobSubmission submission, JobQueries queries, JobCancellation cancellation,
                  JobEventStream eventStream, JobRetention retention, ApiProperties properties) {
        this.submission = submission;
        this.queries = queries;
        this.cancellation = cancellation;
        this.eventStream = eventStream;
        this.retention = retention;
        this.properties = properties;
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Submit a model for compression",
            description = "Streams the model to artifact storage and queues the job. With an Idempotency-Key, "
                    + "resubmitting the same request and model returns the same job (200); the same key with a "
                    + "different request or model is rejected (422). Idempotency keys are per owner. A user key's "
                    + "owner may have at most modelpress.api.limits.max-active-jobs-per-owner jobs queued or running "
                    + "(429 too_many_active_jobs beyond).")
    @ApiResponse(responseCode = "202", description = "Job accepted and queued")
    @ApiResponse(responseCode = "200", description = "Idempotent replay: the job an earlier submit with this key made")
    @ProblemResponses({400, 413, 415, 422, 429})
    ResponseEntity<JobView> submit(
            @Parameter(description = "An .onnx file, or a .zip/.tar/.tar.gz/.tgz holding a model with its external data")
            @RequestPart("model") MultipartFile model,
            @Parameter(description = "The compression request as JSON",
                    schema = @Schema(implementation = CompressionRequest.class))
            @RequestPart("request") Part request,
            @Parameter(description = "Optional calibration samples for int4/auto: a .zip, .tar, .tar.gz or .tgz of sample folders, "
                    + "each holding <input-name>.npy for every model input (not used for scoring)")
            @RequestPart(name = "calibration", required = false) MultipartFile calibration,
            @Parameter(description = "Optional, for language models: a UTF-8 text to calibrate int4/auto on, through the "
                    + "'tokenizer' part; decoder LMs read it as windows of evaluation.context tokens, encoders one sample "
                    + "per line. Must differ from evaluationText; excludes 'calibration'. At most "
                    + "modelpress.api.text.max-text-size (default 32MB)")
            @RequestPart(name = JobTextParts.CALIBRATION_TEXT, required = false) MultipartFile calibrationText,
            @Parameter(description = "Optional, for language models: a UTF-8 text to evaluate on, through the 'tokenizer' "
                    + "part: decoder LMs are scored on evaluation.samples windows (default 24) of evaluation.context "
                    + "tokens (perplexity, KL of next-token distributions, decode steps); encoders on its lines. At most "
                    + "modelpress.api.text.max-text-size (default 32MB)")
            @RequestPart(name = JobTextParts.EVALUATION_TEXT, required = false) MultipartFile evaluationText,
            @Parameter(description = "The model's own Hugging Face tokenizer.json (byte-level BPE, SentencePiece BPE or "
                    + "Unigram, WordPiece); required with calibrationText or evaluationText, refused without them. At most "
                    + "modelpress.api.text.max-tokenizer-size (default 64MB)")
            @RequestPart(name = JobTextParts.TOKENIZER, required = false) MultipartFile tokenizer,
            @Parameter(description = "Makes retries safe: same key and body, same job")
            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
            Caller caller) throws IOException {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY)) {
            throw new InvalidParameterException(IDEMPOTENCY_KEY, idempotencyKey,
                    "must be 1 to %d characters".formatted(MAX_IDEMPOTENCY_KEY));
        }
        JobSubmission.Submitted submitted = submission.submit(caller, idempotencyKey, model, readRequestPart(request),
                calibration, new JobTextParts.Uploads(calibrationText, evaluationText, tokenizer));
        return ResponseEntity.status(submitted.created() ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .location(URI.create(submitted.job().links().self()))
                .body(submitted.job());
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "A job's status, request, input and timestamps",
            description = "404 for a job of another owner, as for one that does not exist.")
    @ProblemResponses({400, 404})
    JobView get(@PathVariable UUID id, Caller caller) {
        return queries.get(id, caller);
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The caller's jobs (an admin's: everybody's), oldest first, a page at a time",
            description = "Pass the 'next' value of a page as 'after' to get the following page. Each job carries the "
                    + "kind of model its report recognised and, for decoder LMs, the next-token numbers (languageModel).")
    @ProblemResponses({400})
    JobPage list(
            @Parameter(description = "Only jobs in this status (case-insensitive)",
                    schema = @Schema(implementation = JobStatus.class))
            @RequestParam(required = false) String status,
            @Parameter(description = "Only succeeded jobs whose report recognised this kind of model",
                    schema = @Schema(allowableValues = {"decoder-lm", "encoder", "vision", "other"}))
            @RequestParam(required = false) String modelKind,
            @Parameter(description = "Only decoder LMs whose mean KL divergence of next-token distributions (prefill) is "
                    + "at most this, in nats")
            @RequestParam(required = false) Double maxKlMean,
            @Parameter(description = "Only succeeded jobs whose report's verdict is this (the bands of FidelityVerdict)",
                    schema = @Schema(allowableValues = {"lossless", "close", "degraded", "broken"}))
            @RequestParam(required = false) String verdict,
            @Parameter(description = "Jobs per page, 1 to modelpress.api.max-page-size (default 100)")
            @RequestParam(required = false) Integer limit,
            @Parameter(description = "Cursor: the 'next' value of the previous page")
            @RequestParam(required = false) String after,
            Caller caller) {
        int size = limit == null ? properties.defaultPageSize() : limit;
        if (size < 1 || size > properties.maxPageSize()) {
            throw new InvalidParameterException("limit", String.valueOf(limit),
                    "must be between 1 and " + properties.maxPageSize());
        }
        if (modelKind != null && !MODEL_KINDS.contains(modelKind)) {
            throw new InvalidParameterException("modelKind", modelKind, "must be one of " + MODEL_KINDS);
        }
        if (maxKlMean != null && !(maxKlMean >= 0 && Double.isFinite(maxKlMean))) {
            throw new InvalidParameterException("maxKlMean", String.valueOf(maxKlMean), "must be a number of nats, at least 0");
        }
        if (verdict != null && !FidelityVerdict.LEVELS.contains(verdict)) {
            throw new InvalidParameterException("verdict", verdict, "must be one of " + FidelityVerdict.LEVELS);
        }
        return queries.page(caller, new JobQueries.Filter(parseStatus(status), modelKind, maxKlMean, verdict),
                after == null ? PageCursor.START : PageCursor.decode(after), size);
    }

    @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Cancel a job (idempotent)",
            description = "A queued job is cancelled at once (200); a running one becomes CANCELLING until its "
                    + "worker stops (202).")
    @ApiResponse(responseCode = "200", description = "The job is cancelled")
    @ApiResponse(responseCode = "202", description = "The job's worker was asked to stop")
    @ProblemResponses({400, 404, 409})
    ResponseEntity<JobView> cancel(@PathVariable UUID id, Caller caller) {
        JobView job = cancellation.cancel(id, caller);
        return ResponseEntity.status(job.status() == JobStatus.CANCELLING ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .body(job);
    }

    @DeleteMapping(path = "/{id}")
    @Operation(summary = "Delete a job that ended, with everything stored for it",
            description = "Removes the job, its events, its input, its calibration samples and every artifact from "
                    + "storage; it is gone at once (404 afterwards). A job that has not ended is refused (409 job_active): "
                    + "cancel it first. modelpress.api.retention.finished-job-ttl deletes finished jobs the same way.")
    @ApiResponse(responseCode = "204", description = "The job is deleted")
    @ProblemResponses({400, 404, 409})
    ResponseEntity<Void> delete(@PathVariable UUID id, Caller caller) {
        retention.delete(id, caller);
        return ResponseEntity.noContent().build();
    }

    @GetMapping(path = "/{id}/events", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The events workers reported for a job, in arrival order",
            description = "With Accept: text/event-stream, a Server-Sent Events stream of past and new events "
                    + "that ends when the job is terminal.")
    @ProblemResponses({400, 404})
    List<JobEventView> events(@PathVariable UUID id, Caller caller) {
        return queries.events(id, caller);
    }

    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "Server-Sent Events of a job until it is terminal",
            description = "At most modelpress.api.max-event-streams-per-key streams per API key (429 "
                    + "too_many_event_streams beyond) and modelpress.api.max-event-streams in all (503 "
                    + "event_streams_unavailable beyond); a stream ends after modelpress.api.event-stream-timeout.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
            schema = @Schema(implementation = JobEventView.class)))
    @ProblemResponses({400, 404, 429, 503})
    SseEmitter eventStream(@PathVariable UUID id, Caller caller) {
        queries.get(id, caller);
        return eventStream.open(id, caller);
    }

    @GetMapping(path = "/{id}/report", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The fidelity report of a succeeded job")
    @ProblemResponses({400, 404})
    FidelityReport report(@PathVariable UUID id, Caller caller) {
        return queries.report(id, caller).orElseThrow(() -> new ReportNotAvailableException(id));
    }

    @GetMapping(path = "/{id}/report.html", produces = MediaType.TEXT_HTML_VALUE)
    @Operation(summary = "The fidelity report of a succeeded job as one self-contained HTML page",
            description = "The report for people: verdict and headline numbers, then inline SVG charts (per-tensor "
                    + "sensitivity, per-vector 1 − cosine and KL, size against fidelity of every auto candidate, "
                    + "next-token KL and same top-1 by position for language models), then the inputs, settings and "
                    + "versions. No script and nothing loaded from anywhere: sent with a Content-Security-Policy that "
                    + "allows only the page's own stylesheet, X-Content-Type-Options: nosniff. Same access as the JSON "
                    + "report: 404 for a job of another owner, 404 report_not_available until the job succeeded.")
    @ApiResponse(responseCode = "200", description = "The page, UTF-8",
            content = @Content(mediaType = MediaType.TEXT_HTML_VALUE, schema = @Schema(type = "string")))
    @ProblemResponses({400, 404})
    ResponseEntity<String> reportHtml(@PathVariable UUID id, Caller caller) {
        FidelityReport report = queries.report(id, caller).orElseThrow(() -> new ReportNotAvailableException(id));
        return JobReportPage.of(queries.get(id, caller), report);
    }

    /**
     * The compression request as text, read with a small limit: the part is bound as a {@link Part} (a file-style part
     * bound as a String would be read whole, up to the upload limit).
     *
     * @throws RequestPartTooLargeException beyond {@code modelpress.api.max-job-request-size}
     */
    private String readRequestPart(Part part) throws IOException {
        long limit = properties.maxJobRequestSize().toBytes();
        if (part.getSize() > limit) {
            throw new RequestPartTooLargeException("request", part.getSize(), limit, "modelpress.api.max-job-request-size");
        }
        byte[] bytes;
        try (InputStream in = part.getInputStream()) {
            bytes = in.readNBytes((int) limit + 1);
        }
        if (bytes.length > limit) {
            throw new RequestPartTooLargeException("request", -1, limit, "modelpress.api.max-job-request-size");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static JobStatus parseStatus(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return JobStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException("status", status, "must be one of " + List.of(JobStatus.values()));
        }
    }
}
