package com.modelpress.engine.evaluation;

/** The CUDA provider was asked for explicitly but cannot be used in this process. */
public final class ExecutionProviderUnavailableException extends RuntimeException {

    private final ExecutionProvider requested;

    ExecutionProviderUnavailableException(ExecutionProvider requested, String reason) {
        super(requested + " execution provider requested but unavailable: " + reason);
        this.requested = requested;
    }

    /** The provider that was asked for. */
    public ExecutionProvider requested() {
        return requested;
    }
}
