package com.modelpress.engine.evaluation;

import java.util.Map;

/**
 * One set of model inputs.
 *
 * @param name   the sample folder's name, or {@code synthesised-<index>}
 * @param inputs by model input name; every model input is present
 */
record Sample(String name, Map<String, NpyArray> inputs) {

    Sample {
        inputs = Map.copyOf(inputs);
    }
}
