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
 */
public record JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                         CompressionRequest request, Instant submittedAt, String calibrationKey,
                         String calibrationSha256) {

    public static final int SCHEMA_VERSION = 1;

    /** A job without uploaded calibration samples. */
    public JobMessage(int schemaVersion, UUID jobId, String inputKey, String inputName, String inputSha256,
                      CompressionRequest request, Instant submittedAt) {
        this(schemaVersion, jobId, inputKey, inputName, inputSha256, request, submittedAt, null, null);
    }
}
