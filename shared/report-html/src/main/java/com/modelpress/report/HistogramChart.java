package com.modelpress.report;

import com.modelpress.contracts.FidelityReport.LogHistogram;

/**
 * A {@link LogHistogram} as vertical bars on its log10 axis, the values under and over its range as a bar at each end,
 * so that every value counted is drawn. Bars are on a square-root scale of the count: a few bad vectors among thousands
 * of good ones still show.
 */
final class HistogramChart {

    private HistogramChart() {
    }

    /**
     * @param quantity what the values are, e.g. {@code 1 − cosine}
     * @param what     what one value belongs to, e.g. {@code vectors of last_hidden_state}
     */
    static void draw(Html html, LogHistogram histogram, String quantity, String what) {
        int bins = histogram.counts().size();
        int bars = bins + 2;
        long[] counts = new long[bars];
        counts[0] = histogram.below();
        for (int i = 0; i < bins; i++) {
            counts[i + 1] = histogram.counts().get(i);
        }
        counts[bars - 1] = histogram.above();
        long max = java.util.Arrays.stream(counts).max().orElse(0);
        double binWidth = (histogram.log10To() - histogram.log10From()) / Math.max(1, bins);

        Plot plot = new Plot(440, 190, 44, 10, 12, 40);
        plot.open(html, "Distribution of %s over %d %s, log scale".formatted(quantity, histogram.total(), what));
        plot.axes(html);
        double slot = plot.innerWidth() / bars;
        for (int i = 0; i < bars; i++) {
            double height = max == 0 ? 0 : Math.sqrt((double) counts[i] / max) * plot.innerHeight();
            String range;
            if (i == 0) {
                range = "under " + Format.powerOfTen((int) Math.round(histogram.log10From()));
            } else if (i == bars - 1) {
                range = Format.powerOfTen((int) Math.round(histogram.log10To())) + " or more";
            } else {
                double from = histogram.log10From() + (i - 1) * binWidth;
                range = Format.small(Math.pow(10, from)) + " to " + Format.small(Math.pow(10, from + binWidth));
            }
            String cssClass = i == 0 || i == bars - 1 ? "bar end" : "bar hist";
            Plot.bar(html, plot.x(0) + i * slot + 0.5, plot.y(0) - height, slot - 1, height, cssClass,
                    "%s %s: %d".formatted(quantity, range, counts[i]));
        }
        // a tick under each decade's left edge; the end bars are labelled for what they hold
        int firstDecade = (int) Math.ceil(histogram.log10From());
        int lastDecade = (int) Math.floor(histogram.log10To());
        int step = lastDecade - firstDecade > 6 ? 2 : 1;
        for (int decade = firstDecade; decade <= lastDecade; decade += step) {
            double x = plot.x(0) + (1 + (decade - histogram.log10From()) / binWidth) * slot;
            Plot.line(html, x, plot.y(0), x, plot.y(0) + 4, "axis");
            Plot.text(html, x, plot.y(0) + 16, "middle", Format.powerOfTen(decade), "tick");
        }
        Plot.text(html, plot.x(0) + slot / 2, plot.y(0) + 30, "middle", "less", "tick");
        Plot.text(html, plot.x(1) - slot / 2, plot.y(0) + 30, "middle", "more", "tick");
        Plot.text(html, plot.x(0.5), plot.y(0) + 30, "middle", quantity, "axis-label");
        Plot.text(html, plot.x(0) - 6, plot.y(1) + 8, "end", String.valueOf(max), "tick");
        Plot.text(html, plot.x(0) - 6, plot.y(0), "end", "0", "tick");
        html.close("svg");
    }
}
