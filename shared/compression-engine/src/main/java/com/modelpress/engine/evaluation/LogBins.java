package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.LogHistogram;

import java.util.Arrays;

/**
 * Counts non-negative values into {@value #BINS} bins from 10⁻⁸ to 10¹, four per decade: the span of 1 − cosine and
 * KL divergence from an exact copy to a broken model, in a report entry of fixed size. Not thread-safe.
 */
final class LogBins {

    static final double LOG10_FROM = -8;
    static final double LOG10_TO = 1;
    static final int BINS_PER_DECADE = 4;
    static final int BINS = (int) ((LOG10_TO - LOG10_FROM) * BINS_PER_DECADE);

    private static final double LOW = Math.pow(10, LOG10_FROM);
    private static final double HIGH = Math.pow(10, LOG10_TO);

    private final long[] counts = new long[BINS];
    private long below;
    private long above;

    /** NaN counts as above the range: a value nobody can read as small. */
    void add(double value) {
        if (!(value < HIGH)) {
            above++;
        } else if (value < LOW) {
            below++;
        } else {
            int bin = (int) Math.floor((Math.log10(value) - LOG10_FROM) * BINS_PER_DECADE);
            counts[Math.clamp(bin, 0, BINS - 1)]++;
        }
    }

    LogHistogram result() {
        return new LogHistogram(LOG10_FROM, LOG10_TO, Arrays.stream(counts).boxed().toList(), below, above);
    }
}
