/**
 * Artifact storage: job inputs and outputs under keys like {@code jobs/{jobId}/input/model.onnx}, written
 * and read as streams (never whole in memory), each with its SHA-256: in a folder
 * ({@link com.modelpress.storage.FilesystemArtifactStore}) or an S3 bucket
 * ({@link com.modelpress.storage.S3ArtifactStore}).
 */
package com.modelpress.storage;
