package com.modelpress.engine.evaluation;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where calibration activations come from, where they are computed and how much memory their statistics may take.
 * Calibration samples are never the evaluation samples: synthesised ones use their own seed, and a calibration
 * folder is a different folder from {@code --inputs}.
 *
 * @param samples           number of synthesised samples (ignored when {@code dir} is set); 0 disables calibration
 * @param seed              seed for synthesised samples
 * @param dir               nullable: a folder in the {@code --inputs} layout (one sub-folder per sample of {@code .npy}
 *                          files)
 * @param executionProvider where the calibration graph runs; never null
 * @param sessionConfig     ONNX Runtime session config entries for the calibration sessions
 * @param memoryBytes       budget for the {@code XᵀX} sums held at once (8·K² bytes per observed tensor): MatMul
 *                          inputs are observed and their weights quantized in groups that fit; 0 = a quarter of the
 *                          JVM's maximum heap
 */
public record CalibrationSettings(int samples, long seed, Path dir, ExecutionProvider executionProvider,
                                  Map<String, String> sessionConfig, long memoryBytes) {

    public static final int DEFAULT_SAMPLES = 64;

    public CalibrationSettings {
        if (samples < 0) {
            throw new IllegalArgumentException("calibration samples must not be negative, was " + samples);
        }
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("calibration memory must not be negative, was " + memoryBytes);
        }
        if (executionProvider == null) {
            throw new IllegalArgumentException("executionProvider must not be null");
        }
        sessionConfig = Map.copyOf(sessionConfig);
    }

    /** On CPU, with the default memory budget. */
    public CalibrationSettings(int samples, long seed, Path dir) {
        this(samples, seed, dir, ExecutionProvider.CPU, Map.of(), 0);
    }

    /** Synthesised calibration that never shares a sample with an evaluation seeded with {@code evaluationSeed}. */
    public static CalibrationSettings synthesised(long evaluationSeed) {
        return new CalibrationSettings(DEFAULT_SAMPLES, evaluationSeed ^ 0x5DEECE66DL, null);
    }

    public static CalibrationSettings none() {
        return new CalibrationSettings(0, 0, null);
    }

    public boolean enabled() {
        return dir != null || samples > 0;
    }

    /** These settings running on {@code provider} with {@code config} entries (the evaluation's). */
    public CalibrationSettings on(ExecutionProvider provider, Map<String, String> config) {
        return new CalibrationSettings(samples, seed, dir, provider, config, memoryBytes);
    }

    /** These settings with a budget of {@code bytes} for the statistics held at once (0 = the default). */
    public CalibrationSettings withMemory(long bytes) {
        return new CalibrationSettings(samples, seed, dir, executionProvider, sessionConfig, bytes);
    }

    /** The budget in bytes: {@link #memoryBytes()}, or a quarter of the maximum heap when that is 0. */
    public long memoryBudget() {
        return memoryBytes > 0 ? memoryBytes : Runtime.getRuntime().maxMemory() / 4;
    }
}
