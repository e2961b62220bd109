package com.modelpress.cli;

import picocli.CommandLine.Option;

/**
 * The fidelity floors as options, shared by {@code compress}, {@code submit} and {@code wait}: for {@code auto} the
 * target, for every job a gate a succeeded report is held to (a miss exits {@link ExitCode#BELOW_GATE}). A picocli
 * mixin; every field nullable (no bound).
 */
final class GateOptions {

    @Option(names = "--min-cosine", paramLabel = "X",
            description = "The worst output's mean cosine on the evaluation samples must reach this, in (0, 1], e.g. "
                    + "0.995: auto's target, and for every job a gate (a miss exits 6).")
    Double minCosine;

    @Option(names = "--min-sqnr", paramLabel = "DB",
            description = "Every output's SQNR must reach this many dB: auto's target, and for every job a gate.")
    Double minSqnr;

    @Option(names = "--max-kl", paramLabel = "K",
            description = "Decoder LMs: the mean KL divergence of the next-token distributions (prefill and "
                    + "decode steps) must stay at or below this; other models: the KL divergence of every "
                    + "logits/probabilities output. auto's target, and for every job a gate.")
    Double maxKl;

    @Option(names = "--max-ppl-increase", paramLabel = "X",
            description = "Decoder LMs evaluated on a text: the perplexity on it may grow by at most this fraction, "
                    + "e.g. 0.01 for 1 %%. auto's target, and for every job a gate (not measured: a miss).")
    Double maxPplIncrease;

    @Option(names = "--target-output", paramLabel = "WHAT",
            description = "What --min-cosine is measured on — tokens (default: every output's vectors), pooled-mean "
                    + "or cls (a text encoder's attention-masked mean-pooled or first-token sentence embeddings).")
    String targetOutput;

    /** True when a cosine, SQNR, KL or perplexity bound or a target output is given. */
    boolean any() {
        return minCosine != null || minSqnr != null || maxKl != null || maxPplIncrease != null || targetOutput != null;
    }

    FidelityGates gates() {
        return new FidelityGates(minCosine, maxKl, maxPplIncrease, minSqnr, targetOutput);
    }
}
