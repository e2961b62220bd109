package com.modelpress.report;

import com.modelpress.contracts.FidelityReport.AutoCandidate;

import java.util.List;

/**
 * Size against fidelity for every mix {@code auto} scored, numbered in the order it scored them, the chosen one ringed.
 * Fidelity is the mean KL of next-token distributions (log scale, lower is better) when every candidate has one, else
 * the worst output's mean cosine.
 */
final class CandidateChart {

    private CandidateChart() {
    }

    static void draw(Html html, List<AutoCandidate> candidates) {
        boolean kl = candidates.stream().allMatch(c -> c.klMean() != null && c.klMean() > 0);
        double minX = candidates.stream().mapToDouble(AutoCandidate::sizeRatio).min().orElse(0);
        double maxX = candidates.stream().mapToDouble(AutoCandidate::sizeRatio).max().orElse(1);
        double padX = Math.max(0.01, (maxX - minX) * 0.08);
        double x0 = Math.max(0, minX - padX);
        double x1 = maxX + padX;
        double y0;
        double y1;
        if (kl) {
            y0 = Math.floor(Math.log10(candidates.stream().mapToDouble(AutoCandidate::klMean).min().orElse(1e-4)));
            y1 = Math.ceil(Math.log10(candidates.stream().mapToDouble(AutoCandidate::klMean).max().orElse(1e-2)));
            if (y1 <= y0) {
                y1 = y0 + 1;
            }
        } else {
            double low = candidates.stream().mapToDouble(AutoCandidate::cosine).min().orElse(0.9);
            double high = candidates.stream().mapToDouble(AutoCandidate::cosine).max().orElse(1);
            double pad = Math.max(1e-4, (high - low) * 0.1);
            y0 = low - pad;
            y1 = Math.min(1, high + pad); // a cosine never exceeds 1; the top margin leaves room for the ring's label
            if (y1 <= y0) {
                y1 = y0 + 1e-3;
            }
        }
        String yLabel = kl ? "KL mean (prefill), log scale" : "cosine, worst output mean";
        Plot plot = new Plot(640, 314, 64, 16, 30, 44);
        plot.open(html, "Size against fidelity of the %d candidates auto scored; %s".formatted(candidates.size(), yLabel));
        plot.axes(html);
        for (int i = 0; i <= 4; i++) {
            double fx = i / 4.0;
            double sizeTick = x0 + fx * (x1 - x0);
            Plot.line(html, plot.x(fx), plot.y(0), plot.x(fx), plot.y(0) + 4, "axis");
            Plot.text(html, plot.x(fx), plot.y(0) + 16, "middle", Format.percent(sizeTick), "tick");
        }
        // KL: one grid line per decade; cosine: four equal steps
        int yTicks = kl ? (int) Math.round(y1 - y0) : 4;
        for (int i = 0; i <= yTicks; i++) {
            double fy = (double) i / yTicks;
            double yTick = y0 + fy * (y1 - y0);
            Plot.line(html, plot.x(0), plot.y(fy), plot.x(1), plot.y(fy), "grid");
            Plot.text(html, plot.x(0) - 6, plot.y(fy) + 4, "end",
                    kl ? Format.powerOfTen((int) Math.round(yTick)) : Format.fixed(yTick, 4), "tick");
        }
        Plot.text(html, plot.x(0.5), plot.height - 8, "middle", "size of the original", "axis-label");
        html.open("text", "x", "14", "y", Plot.n(plot.y(0.5)), "text-anchor", "middle", "class", "axis-label",
                "transform", "rotate(-90 14 " + Plot.n(plot.y(0.5)) + ")").text(kl ? "KL mean" : "cosine").close("text");
        for (int i = 0; i < candidates.size(); i++) {
            AutoCandidate candidate = candidates.get(i);
            double fx = (candidate.sizeRatio() - x0) / (x1 - x0);
            double value = kl ? Math.log10(candidate.klMean()) : candidate.cosine();
            double fy = Math.clamp((value - y0) / (y1 - y0), 0, 1);
            double cx = plot.x(fx);
            double cy = plot.y(fy);
            if (candidate.chosen()) {
                html.empty("circle", "cx", Plot.n(cx), "cy", Plot.n(cy), "r", "11", "class", "chosen");
                Plot.text(html, cx, cy - 15, "middle", "chosen", "value");
            }
            html.open("circle", "cx", Plot.n(cx), "cy", Plot.n(cy), "r", "6",
                    "class", candidate.meetsTarget() ? "point meets" : "point misses");
            html.element("title", "%d. %s: %s of the original, cosine %s%s%s".formatted(i + 1, candidate.label(),
                    Format.percent(candidate.sizeRatio()), Format.fixed(candidate.cosine(), 5),
                    candidate.klMean() == null ? "" : ", KL " + Format.small(candidate.klMean()),
                    candidate.meetsTarget() ? " (meets the target)" : " (misses the target)"));
            html.close("circle");
            Plot.text(html, cx + (candidate.chosen() ? 14 : 9), cy + 4, "start", String.valueOf(i + 1), "tick");
        }
        html.close("svg");
        html.open("p", "class", "legend")
                .open("span", "class", "key").element("span", "", "class", "swatch meets").text("meets the target").close("span")
                .open("span", "class", "key").element("span", "", "class", "swatch misses").text("misses it").close("span")
                .open("span", "class", "key").element("span", "", "class", "swatch ring").text("the model returned").close("span")
                .close("p");
    }
}
