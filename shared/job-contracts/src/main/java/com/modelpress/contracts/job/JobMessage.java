package com.modelpress.contracts.job;

import com.modelpress.contracts.CompressionRequest;

import java.time.Instant;
import java.util.UUID;

/**
 * A job handed to a worker. The model was uploaded before the message was sent; the worker fetches it from
 * artifact storage by {@code inputKey}.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param jobId         the job
 * @param inputKey      artifact key of the uploaded model: an {@code .onnx} file, or a {@code .zip}/{@code .tar}
 *                      holding a model and its external data
 * @param inputName     the file name the user uploaded, e.g. {@code model.onnx}
 * @param inputSha256   SHA-256 of the uploaded file, verified by the worker before use
 * @param request       what to do
 * @param submittedAt   when the API accepted the job
 * @param calibrationKey    nullable: artifact key of calibration samples the user uploaded, a {@code .zip}/{@code .tar}
 *                          of sample folders ({@code <input-name>.npy} per model input)
 * @param calibrationSha256 nullable: SHA-256 of that archive
 * @param calibrationText   nullable: a UTF-8 text to calibrate on, through {@code tokenizer}
 * @param evaluationText    nullable: a UTF-8 text to evaluate on, through {@code tokenizer}
 * @param tokenizer         nullable: the model's Hugging Face {@code tokenizer.json}; set whenever a text is
 * @param attempt           which attempt at the job this message asks for: 1 for the message of the submit, one more
 *                          for each retry the API publishes. The API counts attempts in the job's row in PostgreSQL, so
 *                          the number holds on any broker; a worker reports the attempt's events under it. 0 (absent, a
 *                          message of an API that did not number attempts) is read as 1
 */
public record JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                         CompressionRequest request, Instant submittedAt, String calibrationKey,
                         String calibrationSha256, InputFile calibrationText, InputFile evaluationText,
                         InputFile tokenizer, int attempt) {

    /** Unchanged by the text parts: fields added, a worker that does not know them sees a job without texts. */
    public static final int SCHEMA_VERSION = 1;

    public JobMessage {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must not be negative, was " + attempt);
        }
        attempt = Math.max(1, attempt);
    }

    /**
     * A file the user uploaded with the job, beside the model.
     *
     * @param key    its artifact key, {@code jobs/{jobId}/input/…}
     * @param name   the file name the user gave it, reduced to {@code [A-Za-z0-9._-]}
     * @param sha256 SHA-256 of its bytes, lowercase hex, verified by the worker before use
     */
    public record InputFile(String key, String name, String sha256) {}

    /** The first attempt at a job with text parts. */
    public JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                      CompressionRequest request, Instant submittedAt, String calibrationKey,
                      String calibrationSha256, InputFile calibrationText, InputFile evaluationText, InputFile tokenizer) {
        this(schemaVersion, jobId, inputKey, inputName, inputSha256, request, submittedAt, calibrationKey,
                calibrationSha256, calibrationText, evaluationText, tokenizer, 1);
    }

    /** The first attempt at a job without uploaded calibration samples. */
    public JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                      CompressionRequest request, Instant submittedAt) {
        this(schemaVersion, jobId, inputKey, inputName, inputSha256, request, submittedAt, null, null, null, null, null,
                1);
    }

    /** The first attempt at a job without text parts. */
    public JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                      CompressionRequest request, Instant submittedAt, String calibrationKey, String calibrationSha256) {
        this(schemaVersion, jobId, inputKey, inputName, inputSha256, request, submittedAt, calibrationKey,
                calibrationSha256, null, null, null, 1);
    }

    /** The same job, for attempt {@code next}. */
    public JobMessage forAttempt(int next) {
        return new JobMessage(schemaVersion, jobId, inputKey, inputName, inputSha256, request, submittedAt,
                calibrationKey, calibrationSha256, calibrationText, evaluationText, tokenizer, next);
    }
}
