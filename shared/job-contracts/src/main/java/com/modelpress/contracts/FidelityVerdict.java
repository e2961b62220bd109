package com.modelpress.contracts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One word for how close a compressed model stays to its original, from documented bands on the metrics that fit each
 * output, so that a pipeline can gate on it and a reader sees it first. The verdict is the worst over the outputs (and,
 * for a decoder LM, over its next-token phases):
 *
 * <table>
 * <caption>bands (each level needs every condition of its column)</caption>
 * <tr><th>level</th><th>outputs compared as vectors (worst SQNR, worst mean cosine)</th>
 *     <th>logits / probabilities outputs (KL, top-1 agreement)</th>
 *     <th>decoder LMs (mean KL of each phase, same top-1)</th></tr>
 * <tr><td>{@code lossless}</td><td>≥ 35 dB, ≥ 0.9999</td><td>≤ 0.0001, ≥ 99.5 %</td><td>≤ 0.0015 (llama.cpp's Q8_0), ≥ 98 %</td></tr>
 * <tr><td>{@code close}</td><td>≥ 20 dB, ≥ 0.995</td><td>≤ 0.01, ≥ 97 %</td><td>≤ 0.031 (Q4_K_M), ≥ 90 %</td></tr>
 * <tr><td>{@code degraded}</td><td>≥ 10 dB, ≥ 0.95</td><td>≤ 0.1, ≥ 90 %</td><td>≤ 0.1, ≥ 80 %</td></tr>
 * <tr><td>{@code broken}</td><td colspan="3">anything worse, or a metric that is not a number</td></tr>
 * </table>
 *
 * <p>SQNR 20 dB is a relative L2 error of 10 %, at which a per-vector cosine is about 0.995; 35 dB is 1.8 %. A decoder
 * LM is judged on its next-token metrics only (its logits' SQNR says little about its text), other logits outputs on
 * KL and top-1.
 *
 * @param level {@code lossless}, {@code close}, {@code degraded} or {@code broken}
 * @param basis what decided it, one entry per output or phase, e.g. {@code Y: SQNR 28.3 dB, cosine 0.99951 → close}
 */
public record FidelityVerdict(String level, List<String> basis) {

    /** The levels, best first. */
    public static final List<String> LEVELS = List.of("lossless", "close", "degraded", "broken");

    private static final double[] SQNR_DB = {35, 20, 10};
    private static final double[] COSINE = {0.9999, 0.995, 0.95};
    private static final double[] KL = {0.0001, 0.01, 0.1};
    private static final double[] TOP1 = {0.995, 0.97, 0.90};
    private static final double[] LM_KL = {0.0015, 0.031, 0.1};
    private static final double[] LM_TOP1 = {0.98, 0.90, 0.80};

    public FidelityVerdict {
        if (!LEVELS.contains(level)) {
            throw new IllegalArgumentException("verdict must be one of " + LEVELS + ", not " + level);
        }
        basis = List.copyOf(basis);
    }

    /**
     * @param outputs       per-output fidelity; nullable entries are not allowed
     * @param languageModel nullable: next-token fidelity of a decoder LM
     */
    public static FidelityVerdict of(List<FidelityReport.OutputFidelity> outputs,
                                     FidelityReport.LanguageModelFidelity languageModel) {
        int worst = 0;
        List<String> basis = new ArrayList<>();
        if (languageModel != null && (languageModel.prefill() != null || languageModel.decode() != null)) {
            worst = Math.max(phase(languageModel.logitsOutput() + " prefill", languageModel.prefill(), basis),
                    phase(languageModel.logitsOutput() + " decode", languageModel.decode(), basis));
        } else {
            for (FidelityReport.OutputFidelity output : outputs) {
                int level;
                if (output.klDivergence() != null && output.top1Agreement() != null) {
                    level = Math.max(band(output.klDivergence(), KL, true), band(output.top1Agreement(), TOP1, false));
                    basis.add(String.format(Locale.ROOT, "%s: KL %.3g, top-1 %.1f %% → %s", output.name(),
                            output.klDivergence(), 100 * output.top1Agreement(), LEVELS.get(level)));
                } else {
                    level = Math.max(band(output.sqnrDb(), SQNR_DB, false), band(output.cosineMean(), COSINE, false));
                    basis.add(String.format(Locale.ROOT, "%s: SQNR %.1f dB, cosine %.5f → %s", output.name(),
                            output.sqnrDb(), output.cosineMean(), LEVELS.get(level)));
                }
                worst = Math.max(worst, level);
            }
        }
        if (basis.isEmpty()) {
            return new FidelityVerdict("broken", List.of("no output was measured"));
        }
        return new FidelityVerdict(LEVELS.get(worst), basis);
    }

    /** The level of one next-token phase (0 when it was not measured), its basis added. */
    private static int phase(String name, FidelityReport.NextTokenFidelity phase, List<String> basis) {
        if (phase == null) {
            return 0;
        }
        int level = Math.max(band(phase.klMean(), LM_KL, true), band(phase.sameTop1(), LM_TOP1, false));
        basis.add(String.format(Locale.ROOT, "%s: mean KL %.3g, same top-1 %.1f %% → %s", name, phase.klMean(),
                100 * phase.sameTop1(), LEVELS.get(level)));
        return level;
    }

    /** The index of the first level whose bound {@code value} meets; NaN meets none. */
    private static int band(double value, double[] bounds, boolean atMost) {
        for (int i = 0; i < bounds.length; i++) {
            if (atMost ? value <= bounds[i] : value >= bounds[i]) {
                return i;
            }
        }
        return bounds.length;
    }

    /** True when this level is at least as good as {@code other}. */
    public boolean atLeast(String other) {
        int index = LEVELS.indexOf(other);
        if (index < 0) {
            throw new IllegalArgumentException("verdict must be one of " + LEVELS + ", not " + other);
        }
        return LEVELS.indexOf(level) <= index;
    }
}
