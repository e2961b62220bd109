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
 */
public record EvaluationSettings(int samples, long seed, Path inputsDir, int latencyRuns,
                                 Map<String, String> sessionConfig) {

    public EvaluationSettings {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be at least 1, was " + samples);
        }
        if (latencyRuns < 0) {
            throw new IllegalArgumentException("latencyRuns must not be negative, was " + latencyRuns);
        }
        sessionConfig = Map.copyOf(sessionConfig);
    }

    public static EvaluationSettings defaults() {
        return new EvaluationSettings(8, 7, null, 20, Map.of());
    }
}
