package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.ReferenceBand;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Places a measured KL divergence among the quantization levels people know from llama.cpp, so that a number in a
 * report means something. The reference is llama.cpp's own {@code perplexity --kl-divergence} table
 * ({@code examples/perplexity/README.md}, "LLaMA 2 vs. LLaMA 3 Quantization comparison", revision f364eb6f:
 * LLaMA 2 7B / LLaMA 3 8B against their fp16 models on wikitext-2): mean KLD Q8_0 0.000369 / 0.001355, Q6_K
 * 0.002098 / 0.005452, Q4_K_M 0.012686 / 0.031273; same top p Q8_0 98.846 / 97.674 %, Q6_K 97.520 / 96.031 %,
 * Q4_K_M 94.665 / 91.901 %. A KL at or below a level's larger value is placed in that level. Bands vary by model and
 * text: they orient, they do not certify. Thread-safe: constants only.
 */
public final class ReferenceBands {

    /** The levels, strongest first. */
    public static final List<ReferenceBand> LLAMA_CPP = List.of(
            new ReferenceBand("Q8_0", 0.000369, 0.001355, 0.97674, 0.98846),
            new ReferenceBand("Q6_K", 0.002098, 0.005452, 0.96031, 0.97520),
            new ReferenceBand("Q4_K_M", 0.012686, 0.031273, 0.91901, 0.94665));

    /** Where a KL past every level lands. */
    public static final ReferenceBand WORSE = new ReferenceBand("worse than Q4_K_M", 0.031273, Double.MAX_VALUE, 0, 0.91901);

    private ReferenceBands() {
    }

    /** The strongest level whose larger mean KL {@code meanKl} does not exceed, else {@link #WORSE}. */
    public static ReferenceBand band(double meanKl) {
        return LLAMA_CPP.stream().filter(level -> meanKl <= level.klMeanHigh()).findFirst().orElse(WORSE);
    }

    /** A one-line placement of {@code output}'s KL divergence, or empty when the output has none. */
    public static Optional<String> describe(OutputFidelity output) {
        Double kl = output.klDivergence();
        if (kl == null) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "output '%s': KL divergence %.4f is %s", output.name(), kl,
                placement(kl)));
    }

    /** E.g. {@code like llama.cpp Q6_K (mean KL 0.0021–0.0055)}. */
    public static String placement(double meanKl) {
        ReferenceBand band = band(meanKl);
        if (band == WORSE) {
            return String.format(Locale.ROOT, "lossier than llama.cpp Q4_K_M (mean KL above %.4f)", WORSE.klMeanLow());
        }
        return String.format(Locale.ROOT, "like llama.cpp %s (mean KL %.4g–%.4g)", band.name(), band.klMeanLow(),
                band.klMeanHigh());
    }
}
