package com.modelpress.cli;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.CompressionSpec;
import com.modelpress.contracts.FidelityReport;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The bounds {@code submit --wait} and {@code wait} hold a succeeded job's report to; a miss exits
 * {@link ExitCode#BELOW_GATE}. The same bounds {@code auto} searches for (the engine's {@code Goal}): the worst output's
 * mean cosine; the mean KL of each next-token phase (prefill, decode) for a decoder LM, else every logits output's KL;
 * the perplexity growth on the evaluation text. Every component nullable: no bound.
 *
 * @param minCosine      the worst output's mean cosine must be at least this
 * @param maxKl          mean KL divergence at most this, in nats
 * @param maxPplIncrease perplexity may grow by at most this fraction ({@code 0.01} = 1 %)
 * @param minSqnr        every output's SQNR must be at least this many dB
 * @param targetOutput   what {@code minCosine} is measured on: {@code tokens} (null: every output's vectors),
 *                       {@code pooled-mean} or {@code cls} (a text encoder's sentence embeddings)
 */
record FidelityGates(Double minCosine, Double maxKl, Double maxPplIncrease, Double minSqnr, String targetOutput) {

    FidelityGates(Double minCosine, Double maxKl, Double maxPplIncrease) {
        this(minCosine, maxKl, maxPplIncrease, null, null);
    }

    FidelityGates(Double minCosine, Double maxKl, Double maxPplIncrease, Double minSqnr) {
        this(minCosine, maxKl, maxPplIncrease, minSqnr, null);
    }

    private boolean pooled() {
        return targetOutput != null && !targetOutput.equals("tokens");
    }

    /** True when any bound is set. */
    boolean any() {
        return minCosine != null || maxKl != null || maxPplIncrease != null || minSqnr != null;
    }

    /**
     * @throws ParameterException for a bound outside its range, by the rules of a request's target (checked before any
     *                            network call: exit 2)
     */
    void check(CommandLine commandLine) {
        CompressionRequest asked = new CompressionRequest("int8", null,
                new CompressionRequest.Target(minCosine, minSqnr, maxKl, maxPplIncrease, targetOutput), null, null);
        List<String> problems = CompressionSpec.problems(asked).stream().map(SpecOptions::describe).toList();
        if (!problems.isEmpty()) {
            throw new ParameterException(commandLine, String.join("; ", problems));
        }
    }

    /** True when a language-model bound is set. */
    boolean languageModel() {
        return maxKl != null || maxPplIncrease != null;
    }

    /**
     * @param met     whether every bound holds
     * @param measured what was measured against each bound, e.g. {@code worst mean cosine 0.999100 >= 0.999}
     */
    record Verdict(boolean met, List<String> measured) {}

    Verdict judge(FidelityReport report) {
        List<String> measured = new ArrayList<>();
        boolean met = true;
        if (pooled()) {
            FidelityReport.SentenceEmbeddingFidelity sentences = report.sentenceEmbeddings();
            if (sentences == null) {
                met = false;
                measured.add("no %s sentence embeddings measured (a text encoder's token vectors have them) for "
                        .formatted(targetOutput) + "--min-cosine " + plain(minCosine));
            } else {
                double cosine = targetOutput.equals("cls") ? sentences.clsCosineMean() : sentences.meanPooledCosineMean();
                boolean ok = cosine >= minCosine;
                met &= ok;
                measured.add("%s sentence cosine %s %s %s".formatted(targetOutput, fixed(cosine, 6), ok ? ">=" : "<",
                        plain(minCosine)));
            }
        } else {
            double worst = report.worstCosineMean();
            boolean cosineMet = minCosine == null || worst >= minCosine;
            met &= cosineMet;
            measured.add("worst mean cosine %s%s".formatted(fixed(worst, 6),
                    minCosine == null ? "" : (cosineMet ? " >= " : " < ") + plain(minCosine)));
        }
        if (minSqnr != null) {
            for (FidelityReport.OutputFidelity output : report.outputs()) {
                boolean ok = output.sqnrDb() >= minSqnr;
                met &= ok;
                measured.add("SQNR of %s %s dB %s %s".formatted(output.name(), fixed(output.sqnrDb(), 1),
                        ok ? ">=" : "<", plain(minSqnr)));
            }
        }
        if (maxKl != null) {
            FidelityReport.LanguageModelFidelity lm = report.languageModel();
            if (lm != null) {
                for (var phase : Stream.of(new Phase("prefill", lm.prefill()), new Phase("decode", lm.decode()))
                        .filter(p -> p.fidelity() != null).toList()) {
                    boolean ok = phase.fidelity().klMean() <= maxKl;
                    met &= ok;
                    measured.add("mean KL %s %s %s %s".formatted(phase.name(), general(phase.fidelity().klMean()),
                            ok ? "<=" : ">", plain(maxKl)));
                }
            } else {
                List<FidelityReport.OutputFidelity> logits = report.outputs().stream()
                        .filter(o -> o.klDivergence() != null).toList();
                if (logits.isEmpty()) {
                    met = false;
                    measured.add("no KL divergence measured (no logits output) for --max-kl " + plain(maxKl));
                }
                for (FidelityReport.OutputFidelity output : logits) {
                    boolean ok = output.klDivergence() <= maxKl;
                    met &= ok;
                    measured.add("KL of %s %s %s %s".formatted(output.name(), general(output.klDivergence()),
                            ok ? "<=" : ">", plain(maxKl)));
                }
            }
        }
        if (maxPplIncrease != null) {
            FidelityReport.LanguageModelFidelity lm = report.languageModel();
            Double ratio = lm == null || lm.prefill() == null ? null : lm.prefill().lnPerplexityRatio();
            if (ratio == null) {
                met = false;
                measured.add("no perplexity measured (a decoder LM evaluated on --eval-text has one) for "
                        + "--max-ppl-increase " + plain(maxPplIncrease));
            } else {
                double increase = Math.exp(ratio) - 1;
                boolean ok = increase <= maxPplIncrease;
                met &= ok;
                measured.add("perplexity %s%% %s %s%%".formatted(signed(increase * 100), ok ? "<=" : ">",
                        plain(maxPplIncrease * 100)));
            }
        }
        return new Verdict(met, List.copyOf(measured));
    }

    private record Phase(String name, FidelityReport.NextTokenFidelity fidelity) {}

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String signed(double value) {
        return String.format(Locale.ROOT, "%+.3f", value);
    }

    private static String general(double value) {
        return value == 0 ? "0" : String.format(Locale.ROOT, "%.3g", value);
    }

    /** As the user typed it: {@code 0.01}, not {@code 1.0E-2}. */
    private static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
