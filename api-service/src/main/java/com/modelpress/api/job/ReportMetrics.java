package com.modelpress.api.job;

import com.modelpress.contracts.FidelityReport;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/**
 * The numbers of a job's fidelity report that have columns of their own (migrations V8, V12): its verdict, what kind of
 * model it is and, for a decoder LM, its next-token fidelity (prefill unless the name says decode). Every component nullable: a job
 * without a report has none, a model that is not a decoder LM only {@code modelKind}.
 *
 * @param modelKind            {@code decoder-lm}, {@code encoder}, {@code vision} or {@code other}
 * @param perplexityOriginal   perplexity of the original on the evaluation text
 * @param perplexityCompressed the same for the compressed model
 * @param lnPerplexityRatio    ln(PPL compressed / PPL original)
 * @param klMean               mean KL(original ‖ compressed) of the next-token distributions
 * @param klP99                their 99th percentile
 * @param decodeKlMean         mean KL over the decode steps
 * @param sameTop1             fraction of positions where both models' most likely token is the same
 * @param band                 the llama.cpp level the prefill's mean KL is within ({@code Q8_0}, {@code Q6_K}, …)
 * @param verdict              {@code lossless}, {@code close}, {@code degraded} or {@code broken} (migration V12; see
 *                             {@link com.modelpress.contracts.FidelityVerdict})
 */
@Embeddable
record ReportMetrics(
        @Column(name = "model_kind") String modelKind,
        @Column(name = "lm_perplexity_original") Double perplexityOriginal,
        @Column(name = "lm_perplexity_compressed") Double perplexityCompressed,
        @Column(name = "lm_ln_perplexity_ratio") Double lnPerplexityRatio,
        @Column(name = "lm_kl_mean") Double klMean,
        @Column(name = "lm_kl_p99") Double klP99,
        @Column(name = "lm_decode_kl_mean") Double decodeKlMean,
        @Column(name = "lm_same_top1") Double sameTop1,
        @Column(name = "lm_band") String band,
        @Column(name = "verdict") String verdict) {

    /** What {@code report} says; {@code null} components where it says nothing. */
    static ReportMetrics of(FidelityReport report) {
        String kind = report.model() == null ? null : report.model().kind();
        FidelityReport.LanguageModelFidelity lm = report.languageModel();
        FidelityReport.NextTokenFidelity prefill = lm == null ? null : lm.prefill();
        FidelityReport.NextTokenFidelity decode = lm == null ? null : lm.decode();
        return new ReportMetrics(kind,
                prefill == null ? null : prefill.perplexityOriginal(),
                prefill == null ? null : prefill.perplexityCompressed(),
                prefill == null ? null : prefill.lnPerplexityRatio(),
                prefill == null ? null : prefill.klMean(),
                prefill == null ? null : prefill.klP99(),
                decode == null ? null : decode.klMean(),
                prefill == null ? null : prefill.sameTop1(),
                prefill == null ? null : prefill.band(),
                report.verdict());
    }

    /** True when the report had next-token metrics (a decoder LM). */
    boolean languageModel() {
        return klMean != null;
    }
}
