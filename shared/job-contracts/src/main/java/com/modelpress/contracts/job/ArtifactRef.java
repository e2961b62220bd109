package com.modelpress.contracts.job;

/**
 * A file a worker stored for a job.
 *
 * @param name        the name users download it by, e.g. {@code model.onnx}, {@code model.onnx.data},
 *                    {@code report.json}
 * @param key         its artifact storage key, {@code jobs/{jobId}/attempt-{n}/{run}/{name}}
 * @param sizeBytes   its length in bytes
 * @param sha256      lowercase hex SHA-256 of its content
 * @param contentType media type, e.g. {@code application/octet-stream}, {@code application/json}
 */
public record ArtifactRef(String name, String key, long sizeBytes, String sha256, String contentType) {}
