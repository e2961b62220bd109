package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.OutputFidelity;

import java.util.Locale;
import java.util.Optional;

/**
 * Places a measured KL divergence among the quantization levels people know from llama.cpp (its perplexity tool
 * reports mean KL against the fp16 model), so that a number in a report means something. Bands are coarse:
 * they vary by model and data.
 */
public final class ReferenceBands {

    private ReferenceBands() {
    }

    /** A one-line placement of {@code output}'s KL divergence, or empty when the output has none. */
    public static Optional<String> describe(OutputFidelity output) {
        Double kl = output.klDivergence();
        if (kl == null) {
            return Optional.empty();
        }
        String band;
        if (kl < 0.001) {
            band = "near-lossless, like llama.cpp Q8_0 (KL < 0.001)";
        } else if (kl < 0.005) {
            band = "like llama.cpp Q6_K (KL < 0.005)";
        } else if (kl < 0.01) {
            band = "like llama.cpp Q5_K_M (KL < 0.01)";
        } else if (kl < 0.03) {
            band = "like llama.cpp Q4_K_M (KL around 0.03)";
        } else {
            band = "lossier than llama.cpp Q4_K_M (KL above 0.03)";
        }
        return Optional.of(String.format(Locale.ROOT, "output '%s': KL divergence %.4f is %s", output.name(), kl, band));
    }
}
