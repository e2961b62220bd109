package com.modelpress.worker.attempt;

import com.modelpress.engine.evaluation.ExecutionProviderUnavailableException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a worker that cannot get the execution provider it was told to use into Spring Boot's short
 * "APPLICATION FAILED TO START" report with the reason and what to change, instead of a stack of bean errors.
 */
class ExecutionProviderFailureAnalyzer extends AbstractFailureAnalyzer<ExecutionProviderUnavailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ExecutionProviderUnavailableException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Run this worker where ONNX Runtime's CUDA provider can load (the GPU image, built with -Pgpu, on a node "
                        + "with an NVIDIA GPU and the NVIDIA container runtime), or set "
                        + "modelpress.worker.execution-provider (MODELPRESS_WORKER_EXECUTION_PROVIDER) to auto or cpu.",
                cause);
    }
}
