package com.modelpress.api.problem;

import com.modelpress.api.artifact.ArtifactNotFoundException;
import com.modelpress.api.artifact.RangeNotSatisfiableException;
import com.modelpress.api.job.ActiveJobLimitException;
import com.modelpress.api.job.EventStreamLimitException;
import com.modelpress.api.job.IdempotencyConflictException;
import com.modelpress.api.job.JobActiveException;
import com.modelpress.api.job.IllegalJobTransitionException;
import com.modelpress.api.job.InvalidCompressionRequestException;
import com.modelpress.api.job.InvalidCursorException;
import com.modelpress.api.job.InvalidModelFileException;
import com.modelpress.api.job.InvalidParameterException;
import com.modelpress.api.job.InvalidTextFileException;
import com.modelpress.api.job.InvalidTokenizerFileException;
import com.modelpress.api.job.JobNotFoundException;
import com.modelpress.api.job.MalformedCompressionRequestException;
import com.modelpress.api.job.ReportNotAvailableException;
import com.modelpress.api.job.RequestPartTooLargeException;
import com.modelpress.api.security.AdminRequiredException;
import com.modelpress.api.security.ApiKeyNotFoundException;
import com.modelpress.api.security.InvalidApiKeyRequestException;
import com.modelpress.api.web.RequestBodyTooLargeException;
import com.modelpress.api.webhook.InvalidWebhookException;
import com.modelpress.api.webhook.SigningSecretNotFoundException;
import com.modelpress.api.webhook.WebhookNotFoundException;
import com.modelpress.storage.ArtifactTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.orm.ObjectOptimisticLockingFailureException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import java.net.URI;

/**
 * Every exception that reaches a controller's caller becomes a problem+json response with a stable
 * {@code code}; Spring MVC's own exceptions keep their status and get a code too. Unexpected exceptions are
 * logged and answered with 500 {@code internal_error} without internals.
 */
@RestControllerAdvice
class ApiProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiProblemHandler.class);

    @ExceptionHandler
    ResponseEntity<Object> jobNotFound(JobNotFoundException e, WebRequest request) {
        return problem(e, HttpStatus.NOT_FOUND, "job_not_found", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> artifactNotFound(ArtifactNotFoundException e, WebRequest request) {
        return problem(e, HttpStatus.NOT_FOUND, "artifact_not_found", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> reportNotAvailable(ReportNotAvailableException e, WebRequest request) {
        return problem(e, HttpStatus.NOT_FOUND, "report_not_available", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> malformedRequest(MalformedCompressionRequestException e, WebRequest request) {
        return problem(e, HttpStatus.BAD_REQUEST, "malformed_request", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidParameter(InvalidParameterException e, WebRequest request) {
        return problem(e, HttpStatus.BAD_REQUEST, "invalid_parameter", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidCursor(InvalidCursorException e, WebRequest request) {
        return problem(e, HttpStatus.BAD_REQUEST, "invalid_cursor", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidRequest(InvalidCompressionRequestException e, WebRequest request) {
        return unprocessable(e, e.violations(), "validation_failed", request);
    }

    /** 422 with {@code code} and one entry in {@code errors} per broken rule. */
    private ResponseEntity<Object> unprocessable(RuntimeException e, java.util.List<?> errors, String code,
                                                 WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
        body.setProperty("errors", errors);
        return handleExceptionInternal(e, withCode(body, code), new HttpHeaders(), HttpStatus.UNPROCESSABLE_CONTENT,
                request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidModelFile(InvalidModelFileException e, WebRequest request) {
        return problem(e, HttpStatus.UNPROCESSABLE_CONTENT, "invalid_model_file", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidTextFile(InvalidTextFileException e, WebRequest request) {
        return problem(e, HttpStatus.UNPROCESSABLE_CONTENT, "invalid_text", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidTokenizerFile(InvalidTokenizerFileException e, WebRequest request) {
        return problem(e, HttpStatus.UNPROCESSABLE_CONTENT, "invalid_tokenizer", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> idempotencyConflict(IdempotencyConflictException e, WebRequest request) {
        return problem(e, HttpStatus.UNPROCESSABLE_CONTENT, "idempotency_key_reused", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> tooLarge(ArtifactTooLargeException e, WebRequest request) {
        return problem(e, HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> partTooLarge(RequestPartTooLargeException e, WebRequest request) {
        return problem(e, HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> activeJobLimit(ActiveJobLimitException e, WebRequest request) {
        return problem(e, HttpStatus.TOO_MANY_REQUESTS, "too_many_active_jobs", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> jobActive(JobActiveException e, WebRequest request) {
        return problem(e, HttpStatus.CONFLICT, "job_active", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> eventStreamLimit(EventStreamLimitException e, WebRequest request) {
        HttpStatus status = e.perKey() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE;
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfter().toSeconds()));
        return handleExceptionInternal(e, withCode(body, e.perKey() ? "too_many_event_streams" : "event_streams_unavailable"),
                headers, status, request);
    }

    @ExceptionHandler
    ResponseEntity<Object> adminRequired(AdminRequiredException e, WebRequest request) {
        return problem(e, HttpStatus.FORBIDDEN, "admin_required", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> apiKeyNotFound(ApiKeyNotFoundException e, WebRequest request) {
        return problem(e, HttpStatus.NOT_FOUND, "api_key_not_found", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidApiKeyRequest(InvalidApiKeyRequestException e, WebRequest request) {
        return problem(e, HttpStatus.BAD_REQUEST, "invalid_api_key_request", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> webhookNotFound(WebhookNotFoundException e, WebRequest request) {
        return problem(e, HttpStatus.NOT_FOUND, "webhook_not_found", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> signingSecretNotFound(SigningSecretNotFoundException e, WebRequest request) {
        return problem(e, HttpStatus.NOT_FOUND, "webhook_signing_secret_not_found", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidWebhook(InvalidWebhookException e, WebRequest request) {
        return unprocessable(e, e.violations(), "invalid_webhook", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> illegalTransition(IllegalJobTransitionException e, WebRequest request) {
        return problem(e, HttpStatus.CONFLICT, "illegal_state", request);
    }

    @ExceptionHandler
    ResponseEntity<Object> concurrentUpdate(ObjectOptimisticLockingFailureException e, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "The job changed while this request was applied; retry");
        return handleExceptionInternal(e, withCode(body, "concurrent_update"), new HttpHeaders(),
                HttpStatus.CONFLICT, request);
    }

    @ExceptionHandler
    ResponseEntity<Object> rangeNotSatisfiable(RangeNotSatisfiableException e, WebRequest request) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_RANGE, "bytes */" + e.sizeBytes());
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, e.getMessage());
        return handleExceptionInternal(e, withCode(body, "range_not_satisfiable"), headers,
                HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, request);
    }

    /** A body that could not be parsed as multipart (no boundary, cut short, bad part headers) is the client's fault. */
    @ExceptionHandler
    ResponseEntity<Object> malformedMultipart(MultipartException e, WebRequest request) {
        if (causedBy(e, RequestBodyTooLargeException.class) != null) {
            return tooLargeBody(e, request);
        }
        log.debug("malformed multipart request on {}", request.getDescription(false), e);
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "The multipart body could not be read: " + rootMessage(e));
        return handleExceptionInternal(e, withCode(body, "malformed_multipart"), new HttpHeaders(),
                HttpStatus.BAD_REQUEST, request);
    }

    @ExceptionHandler
    ResponseEntity<Object> unexpected(Exception e, WebRequest request) {
        if (causedBy(e, RequestBodyTooLargeException.class) != null) {
            return tooLargeBody(e, request);
        }
        log.error("unexpected error on {}", request.getDescription(false), e);
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The server failed to handle the request; it has been logged");
        return handleExceptionInternal(e, withCode(body, "internal_error"), new HttpHeaders(),
                HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    /** Spring MVC's exceptions (and ours) all pass here: make sure each problem carries a code. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        RequestBodyTooLargeException tooLarge = causedBy(ex, RequestBodyTooLargeException.class);
        if (tooLarge != null && !(body instanceof ProblemDetail detail && detail.getStatus() == 413)) {
            // a body without a declared length ran past its limit while Jackson or the multipart parser read it
            statusCode = HttpStatus.CONTENT_TOO_LARGE;
            body = withCode(ProblemDetail.forStatusAndDetail(statusCode, tooLarge.getMessage()), "payload_too_large");
        }
        if (ex instanceof MaxUploadSizeExceededException) {
            statusCode = HttpStatus.CONTENT_TOO_LARGE;
            body = ProblemDetail.forStatusAndDetail(statusCode,
                    "The upload exceeds the limit (modelpress.api.max-upload-size)");
        }
        ProblemDetail problem = body instanceof ProblemDetail detail ? detail
                : ProblemDetail.forStatusAndDetail(statusCode, ex.getMessage());
        if (problem.getProperties() == null || !problem.getProperties().containsKey(ProblemCodes.CODE)) {
            withCode(problem, codeOf(ex, statusCode));
        }
        if (problem.getStatus() != statusCode.value()) {
            problem.setStatus(statusCode.value());
        }
        HttpHeaders problemHeaders = new HttpHeaders();
        problemHeaders.putAll(headers);
        problemHeaders.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return super.handleExceptionInternal(ex, problem, problemHeaders, statusCode, request);
    }

    private ResponseEntity<Object> tooLargeBody(Exception e, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                causedBy(e, RequestBodyTooLargeException.class).getMessage());
        return handleExceptionInternal(e, withCode(body, "payload_too_large"), new HttpHeaders(),
                HttpStatus.CONTENT_TOO_LARGE, request);
    }

    /** @return the first cause of {@code type} in the chain of {@code e} (itself included), or null */
    private static <T extends Throwable> T causedBy(Throwable e, Class<T> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }

    /** The innermost message, without class names or stack frames. */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? e.getMessage() : root.getMessage();
        return message == null ? "unreadable" : message.length() > 300 ? message.substring(0, 300) + "…" : message;
    }

    private ResponseEntity<Object> problem(Exception e, HttpStatus status, String code, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        return handleExceptionInternal(e, withCode(body, code), new HttpHeaders(), status, request);
    }

    private static ProblemDetail withCode(ProblemDetail problem, String code) {
        problem.setProperty(ProblemCodes.CODE, code);
        problem.setType(URI.create(ProblemCodes.TYPE_PREFIX + code));
        return problem;
    }

    private static String codeOf(Exception ex, HttpStatusCode status) {
        return switch (ex) {
            case NoResourceFoundException e -> "not_found";
            case HttpRequestMethodNotSupportedException e -> "method_not_allowed";
            case HttpMediaTypeNotSupportedException e -> "unsupported_media_type";
            case HttpMediaTypeNotAcceptableException e -> "not_acceptable";
            case MissingServletRequestPartException e -> "missing_part";
            case MissingServletRequestParameterException e -> "missing_parameter";
            case MissingRequestHeaderException e -> "missing_header";
            case TypeMismatchException e -> "invalid_parameter";
            case HttpMessageNotReadableException e -> "malformed_request";
            case MaxUploadSizeExceededException e -> "payload_too_large";
            case MultipartException e -> "malformed_multipart";
            default -> ProblemCodes.forStatus(status.value());
        };
    }
}
