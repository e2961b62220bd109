package com.modelpress.engine.evaluation;

/**
 * What the operator asked for ({@code modelpress.worker.execution-provider} in the worker).
 *
 * @see ExecutionProviderSelection
 */
public enum ExecutionProviderRequest {
    /** CUDA when ONNX Runtime has the CUDA provider and an NVIDIA device is present, CPU otherwise. */
    AUTO,
    /** CPU even where a GPU is present. */
    CPU,
    /** CUDA, or refuse to start. */
    CUDA
}
