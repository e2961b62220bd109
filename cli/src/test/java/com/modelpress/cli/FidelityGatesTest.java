package com.modelpress.cli;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The gates of {@code submit --wait} and {@code wait} on reports of a decoder LM and of a model without one. */
class FidelityGatesTest {

    @Test
    void aDecoderPassesOnlyWhenEveryPhasesMeanKlAndThePerplexityGrowthAreWithinBounds() {
        FidelityReport report = decoder(0.004, 0.006, Math.log(1.012));

        FidelityGates.Verdict met = new FidelityGates(0.9, 0.01, 0.02).judge(report);
        assertThat(met.met()).isTrue();
        assertThat(met.measured()).containsExactly("worst mean cosine 0.998000 >= 0.9", "mean KL prefill 0.00400 <= 0.01",
                "mean KL decode 0.00600 <= 0.01", "perplexity +1.200% <= 2%");

        FidelityGates.Verdict decodeTooFar = new FidelityGates(null, 0.005, null).judge(report);
        assertThat(decodeTooFar.met()).isFalse();
        assertThat(decodeTooFar.measured()).contains("mean KL prefill 0.00400 <= 0.005", "mean KL decode 0.00600 > 0.005");

        FidelityGates.Verdict perplexity = new FidelityGates(null, null, 0.01).judge(report);
        assertThat(perplexity.met()).isFalse();
        assertThat(perplexity.measured()).contains("perplexity +1.200% > 1%");
        assertThat(new FidelityGates(null, null, 0.01).judge(decoder(0.004, 0.006, Math.log(0.99))).met())
                .as("perplexity that fell").isTrue();
    }

    @Test
    void boundsThatNothingMeasuredAreMissesNotPasses() {
        FidelityReport noText = decoder(0.004, 0.006, null);
        FidelityGates.Verdict verdict = new FidelityGates(null, null, 0.01).judge(noText);
        assertThat(verdict.met()).isFalse();
        assertThat(verdict.measured()).anyMatch(line -> line.startsWith("no perplexity measured"));

        FidelityReport encoder = report(List.of(new FidelityReport.OutputFidelity("last_hidden_state", 0.99, 0.98, 0.1, 0.2,
                20, null, null, 64)), null);
        assertThat(new FidelityGates(null, 0.01, null).judge(encoder).met()).as("no logits: no KL").isFalse();
        assertThat(new FidelityGates(0.98, null, null).judge(encoder).met()).isTrue();
        assertThat(new FidelityGates(0.995, null, null).judge(encoder).measured())
                .containsExactly("worst mean cosine 0.990000 < 0.995");

        FidelityReport classifier = report(List.of(new FidelityReport.OutputFidelity("logits", 0.999, 0.99, 0.01, 0.1, 40,
                0.99, 0.002, 8)), null);
        assertThat(new FidelityGates(null, 0.001, null).judge(classifier).measured()).containsExactly(
                "worst mean cosine 0.999000", "KL of logits 0.00200 > 0.001");
        assertThat(new FidelityGates(null, 0.003, null).judge(classifier).met()).isTrue();
    }

    private static FidelityReport decoder(double prefillKl, double decodeKl, Double lnPerplexityRatio) {
        Double ppl = lnPerplexityRatio == null ? null : 60.0;
        FidelityReport.NextTokenFidelity prefill = new FidelityReport.NextTokenFidelity(96, ppl,
                ppl == null ? null : ppl * Math.exp(lnPerplexityRatio), lnPerplexityRatio, prefillKl, prefillKl, prefillKl,
                prefillKl, 0.95, 0.96, null, "Q6_K");
        FidelityReport.NextTokenFidelity decode = new FidelityReport.NextTokenFidelity(6, null, null, null, decodeKl,
                decodeKl, decodeKl, decodeKl, 0.95, 0.96, null, "Q6_K");
        return report(List.of(new FidelityReport.OutputFidelity("logits", 0.998, 0.99, 0.01, 0.1, 40, 0.95, prefillKl, 96)),
                new FidelityReport.LanguageModelFidelity("logits", "text", 3, 32, 2, prefill, decode, List.of()));
    }

    private static FidelityReport report(List<FidelityReport.OutputFidelity> outputs,
                                         FidelityReport.LanguageModelFidelity lm) {
        return new FidelityReport(FidelityReport.SCHEMA_VERSION, "int4", CompressionOptions.defaults(), "a", "b", false,
                new FidelityReport.Sizes(4, 1, 0.25, 4, 1), 4.5, outputs, List.of(), null,
                new FidelityReport.EvaluationInfo("text", 3, List.of()), 7, Map.of(),
                new FidelityReport.Versions("test", "1.29.0", "25"), List.of(), List.of(), List.of(), null, lm, null);
    }
}
