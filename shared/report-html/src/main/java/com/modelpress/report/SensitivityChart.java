package com.modelpress.report;

import com.modelpress.contracts.FidelityReport.TensorSensitivity;

import java.util.List;

/**
 * Per-tensor sensitivity as horizontal bars, most sensitive first, on a log scale: losses span orders of magnitude and
 * a linear scale would show only the first few. The colour says how the tensor is stored.
 */
final class SensitivityChart {

    /** Bars drawn; the rest are counted under the chart. */
    static final int MAX_BARS = 40;
    private static final int NAME_CHARACTERS = 46;
    private static final double ROW = 18;

    private SensitivityChart() {
    }

    static void draw(Html html, List<TensorSensitivity> ranked) {
        List<TensorSensitivity> shown = ranked.stream().limit(MAX_BARS).toList();
        double max = shown.stream().mapToDouble(TensorSensitivity::cosineLoss).max().orElse(0);
        double smallest = shown.stream().mapToDouble(TensorSensitivity::cosineLoss).filter(v -> v > 0).min().orElse(max);
        // at most six decades below the largest loss, so one negligible tensor does not flatten the rest
        int low = (int) Math.floor(Math.log10(Math.max(smallest, max * 1e-6)));
        int high = (int) Math.ceil(Math.log10(max));
        if (high <= low) {
            high = low + 1;
        }
        Plot plot = new Plot(900, 40 + ROW * shown.size(), 330, 70, 26, 14);
        plot.open(html, "Sensitivity of the %d most sensitive of %d compressed tensors: 1 − cosine of the model with only "
                .formatted(shown.size(), ranked.size()) + "that tensor compressed, log scale");
        for (int decade = low; decade <= high; decade++) {
            double x = plot.x((double) (decade - low) / (high - low));
            Plot.line(html, x, plot.top - 4, x, plot.y(0), "grid");
            Plot.text(html, x, plot.top - 8, "middle", Format.powerOfTen(decade), "tick");
        }
        for (int i = 0; i < shown.size(); i++) {
            TensorSensitivity tensor = shown.get(i);
            double y = plot.top + i * ROW;
            double loss = tensor.cosineLoss();
            double fraction = loss <= 0 ? 0 : Math.clamp((Math.log10(loss) - low) / (high - low), 0, 1);
            String name = tensor.name().length() > NAME_CHARACTERS
                    ? "…" + tensor.name().substring(tensor.name().length() - NAME_CHARACTERS + 1) : tensor.name();
            Plot.text(html, plot.left - 8, y + ROW * 0.7, "end", name, "label");
            Plot.bar(html, plot.x(0), y + 2, fraction * plot.innerWidth(), ROW - 4, "bar " + Palette.of(tensor.method()),
                    "%s (%s, %d bits): 1 − cosine %s".formatted(tensor.name(), tensor.method(), tensor.bits(),
                            Format.small(loss)));
            Plot.text(html, plot.x(fraction) + 4, y + ROW * 0.7, "start", Format.small(loss), "value");
        }
        html.close("svg");
        Palette.legend(html, shown.stream().map(TensorSensitivity::method).distinct().toList());
        if (ranked.size() > shown.size()) {
            html.element("p", "%d less sensitive tensors are not drawn; the JSON report ranks every one."
                    .formatted(ranked.size() - shown.size()), "class", "muted");
        }
    }
}
