package com.modelpress.engine;

/**
 * Receives progress of long steps. Called from the thread doing the work; implementations must be cheap.
 */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (step, fraction) -> { };

    /**
     * @param step     a short human-readable step name, e.g. {@code "compress"}
     * @param fraction progress of that step in [0, 1]
     */
    void onProgress(String step, double fraction);
}
