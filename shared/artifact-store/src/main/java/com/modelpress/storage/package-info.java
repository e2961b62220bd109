/**
 * Artifact storage: job inputs and outputs under keys like {@code jobs/{jobId}/input/model.onnx}, written
 * and read as streams (never whole in memory), each with its SHA-256.
 */
package com.modelpress.storage;
