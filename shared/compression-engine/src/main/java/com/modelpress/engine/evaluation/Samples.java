package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.TextInfo;

import java.util.List;

/**
 * The inputs an evaluation runs both models on, and how they were obtained.
 *
 * @param samples       at least one
 * @param source        {@code synthesised}, {@code text} or the folder the samples came from
 * @param description   how each model input was built, one line per input (plus notes on symbolic dimensions)
 * @param continuations for language models on text: per sample, the tokens that follow it in the text (the true
 *                      next tokens of the last position and of the decode steps); otherwise empty
 * @param text          nullable: the text the samples were cut from
 * @param failureHint   nullable: for synthesised samples, what to tell a user whose model fails on them (the inputs,
 *                      their declared and used shapes, and the options that declare them)
 */
record Samples(List<Sample> samples, String source, List<String> description, List<long[]> continuations,
               TextInfo text, String failureHint) {

    Samples {
        samples = List.copyOf(samples);
        description = List.copyOf(description);
        continuations = List.copyOf(continuations);
        if (!continuations.isEmpty() && continuations.size() != samples.size()) {
            throw new IllegalArgumentException(continuations.size() + " continuations for " + samples.size() + " samples");
        }
    }

    Samples(List<Sample> samples, String source, List<String> description, List<long[]> continuations, TextInfo text) {
        this(samples, source, description, continuations, text, null);
    }

    Samples(List<Sample> samples, String source, List<String> description) {
        this(samples, source, description, List.of(), null);
    }

    /** The tokens after sample {@code index} in the text; empty when not known. */
    long[] continuation(int index) {
        return continuations.isEmpty() ? new long[0] : continuations.get(index);
    }
}
