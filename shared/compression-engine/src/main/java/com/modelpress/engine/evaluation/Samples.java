package com.modelpress.engine.evaluation;

import java.util.List;

/**
 * The inputs an evaluation runs both models on, and how they were obtained.
 *
 * @param samples     at least one
 * @param source      {@code synthesised} or the folder the samples came from
 * @param description how each model input was built, one line per input (plus notes on symbolic dimensions)
 */
record Samples(List<Sample> samples, String source, List<String> description) {

    Samples {
        samples = List.copyOf(samples);
        description = List.copyOf(description);
    }
}
