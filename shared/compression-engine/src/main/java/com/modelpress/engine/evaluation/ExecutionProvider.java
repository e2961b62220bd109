package com.modelpress.engine.evaluation;

/** The ONNX Runtime execution provider that scores models; its name is what reports record. */
public enum ExecutionProvider {
    /** ONNX Runtime's default CPU kernels: always present. */
    CPU,
    /** NVIDIA GPUs through {@code CUDAExecutionProvider} (device 0); needs the {@code onnxruntime_gpu} build. */
    CUDA
}
