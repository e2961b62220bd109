package com.modelpress.report;

import com.modelpress.contracts.FidelityReport.PositionAgreement;

/**
 * Same top-1 along the window (or by decode step) as bars, one per bucket of positions: agreement that falls with the
 * position points at long-range damage (attention, the KV cache) that the mean hides.
 */
final class PositionChart {

    private PositionChart() {
    }

    /** @param unit what a position is, e.g. {@code position in the window} or {@code decode step} */
    static void draw(Html html, PositionAgreement agreement, String unit) {
        int buckets = agreement.sameTop1().size();
        double lowest = agreement.sameTop1().stream().mapToDouble(Double::doubleValue).min().orElse(1);
        double floor = Math.max(0, Math.floor((lowest - 0.05) * 10) / 10);
        Plot plot = new Plot(440, 200, 48, 12, 12, 40);
        plot.open(html, "Same top-1 by %s, %d buckets of %d".formatted(unit, buckets, agreement.bucketWidth()));
        plot.axes(html);
        for (int i = 0; i <= 4; i++) {
            double f = i / 4.0;
            Plot.line(html, plot.x(0), plot.y(f), plot.x(1), plot.y(f), "grid");
            Plot.text(html, plot.x(0) - 6, plot.y(f) + 4, "end", Format.percent(floor + f * (1 - floor)), "tick");
        }
        double slot = plot.innerWidth() / Math.max(1, buckets);
        int labelEvery = Math.max(1, buckets / 8);
        for (int i = 0; i < buckets; i++) {
            double value = agreement.sameTop1().get(i);
            double height = Math.clamp((value - floor) / (1 - floor), 0, 1) * plot.innerHeight();
            int from = i * agreement.bucketWidth();
            int to = from + agreement.bucketWidth() - 1;
            String where = agreement.bucketWidth() == 1 ? String.valueOf(from) : from + "–" + to;
            Plot.bar(html, plot.x(0) + i * slot + 0.5, plot.y(0) - height, Math.max(1, slot - 1), height, "bar agree",
                    "%s %s: %s same top-1 over %d".formatted(unit, where, Format.percent(value),
                            agreement.compared().get(i)));
            if (i % labelEvery == 0) {
                Plot.text(html, plot.x(0) + (i + 0.5) * slot, plot.y(0) + 16, "middle", String.valueOf(from), "tick");
            }
        }
        Plot.text(html, plot.x(0.5), plot.y(0) + 32, "middle", unit, "axis-label");
        html.close("svg");
    }
}
