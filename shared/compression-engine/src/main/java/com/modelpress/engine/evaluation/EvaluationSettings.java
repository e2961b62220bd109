package com.modelpress.engine.evaluation;

import java.nio.file.Path;
import java.util.Map;

/**
 * How to compare an original and a compressed model.
 *
 * @param samples        number of synthesised samples (ignored when {@code inputsDir} is set)
 * @param seed           seed for synthesised inputs
 * @param inputsDir      nullable: a folder with one sub-folder per sample holding {@code <input-name>.npy}
 * @param latencyRuns    timed runs per model for latency (0 = do not measure)
 * @param sessionConfig  ONNX Runtime session config entries applied to both sessions, e.g.
 *                       {@code session.qdq_matmulnbits_accuracy_level}
 * @param executionProvider where both models run (and latency is measured); chosen once per process with
 *                       {@link ExecutionProviderSelection}; never null
 */
public record EvaluationSettings(int samples, long seed, Path inputsDir, int latencyRuns,
                                 Map<String, String> sessionConfig, ExecutionProvider executionProvider) {

    /** Settings that run on CPU. */
    public EvaluationSettings(int samples, long seed, Path inputsDir, int latencyRuns, Map<String, String> sessionConfig) {
        this(samples, seed, inputsDir, latencyRuns, sessionConfig, ExecutionProvider.CPU);
    }

    public EvaluationSettings {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be at least 1, was " + samples);
        }
        if (latencyRuns < 0) {
            throw new IllegalArgumentException("latencyRuns must not be negative, was " + latencyRuns);
        }
        sessionConfig = Map.copyOf(sessionConfig);
        if (executionProvider == null) {
            throw new IllegalArgumentException("executionProvider must not be null");
        }
    }

    /** These settings with latency not measured. */
    public EvaluationSettings withoutLatency() {
        return new EvaluationSettings(samples, seed, inputsDir, 0, sessionConfig, executionProvider);
    }

    /** These settings on another execution provider. */
    public EvaluationSettings withExecutionProvider(ExecutionProvider provider) {
        return new EvaluationSettings(samples, seed, inputsDir, latencyRuns, sessionConfig, provider);
    }

    public static EvaluationSettings defaults() {
        return new EvaluationSettings(8, 7, null, 20, Map.of());
    }
}
