package com.modelpress.engine.evaluation;

import java.nio.file.Path;

/**
 * Where calibration activations come from. Calibration samples are never the evaluation samples: synthesised
 * ones use their own seed, and a calibration folder is a different folder from {@code --inputs}.
 *
 * @param samples number of synthesised samples (ignored when {@code dir} is set); 0 disables calibration
 * @param seed    seed for synthesised samples
 * @param dir     nullable: a folder in the {@code --inputs} layout (one sub-folder per sample of {@code .npy} files)
 */
public record CalibrationSettings(int samples, long seed, Path dir) {

    public static final int DEFAULT_SAMPLES = 64;

    public CalibrationSettings {
        if (samples < 0) {
            throw new IllegalArgumentException("calibration samples must not be negative, was " + samples);
        }
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
}
