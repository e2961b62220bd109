package com.modelpress.engine.evaluation;

import java.util.Objects;

/**
 * The provider a process scores models with, and why it was chosen (for the startup log).
 *
 * @param provider never null
 * @param reason   one line, never blank, e.g. {@code CUDA unavailable: onnxruntime built without CUDA provider}
 */
public record ExecutionProviderChoice(ExecutionProvider provider, String reason) {

    public ExecutionProviderChoice {
        Objects.requireNonNull(provider, "provider");
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a choice of execution provider needs a reason");
        }
    }
}
