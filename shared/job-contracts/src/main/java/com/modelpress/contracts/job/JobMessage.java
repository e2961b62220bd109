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
 */
public record JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                         CompressionRequest request, Instant submittedAt, String calibrationKey,
                         String calibrationSha256, InputFile calibrationText, InputFile evaluationText,
                         InputFile tokenizer) {

    /** Unchanged by the text parts: fields added, a worker that does not know them sees a job without texts. */
    public static final int SCHEMA_VERSION = 1;

    /**
     * A file the user uploaded with the job, beside the model.
     *
     * @param key    its artifact key, {@code jobs/{jobId}/input/…}
     * @param name   the file name the user gave it, reduced to {@code [A-Za-z0-9._-]}
     * @param sha256 SHA-256 of its bytes, lowercase hex, verified by the worker before use
     */
    public record InputFile(String key, String name, String sha256) {}

    /** A job without text parts. */
    public JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                      CompressionRequest request, Instant submittedAt, String calibrationKey,
                      String calibrationSha256) {
        this(schemaVersion, jobId, inputKey, inputName, inputSha256, request, submittedAt, calibrationKey,
                calibrationSha256, null, null, null);
    }

    /** A job without uploaded calibration samples. */
    public JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                      CompressionRequest request, Instant submittedAt) {
        this(schemaVersion, jobId, inputKey, inputName, inputSha256, request, submittedAt, null, null);
    }
}
