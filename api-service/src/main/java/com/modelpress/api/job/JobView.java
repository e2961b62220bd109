package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.UUID;

/**
 * A job as the API shows it (and as webhooks carry it, under {@code data}).
 *
 * @param owner   who submitted it (the owner of the API key)
 * @param attempt the attempt a worker last started: 1 for the first, one more for each retry the API published (at
 *                most {@link com.modelpress.contracts.job.Topology#JOB_ATTEMPT_LIMIT}); 0 while none has
 * @param error   nullable: why the job failed (or why its last attempt failed, while it waits for another)
 * @param verdict nullable until the job succeeded: how close the compressed model stays, from the report's bands
 *                ({@code lossless}, {@code close}, {@code degraded}, {@code broken}; see
 *                {@link com.modelpress.contracts.FidelityVerdict}); null for jobs that succeeded before verdicts existed
 * @param modelKind     nullable until the job succeeded: what the engine recognised ({@code decoder-lm},
 *                      {@code encoder}, {@code vision}, {@code other})
 * @param languageModel nullable: the report's next-token numbers, for a decoder LM that succeeded
 */
public record JobView(
        UUID id,
        String owner,
        JobStatus status,
        String verdict,
        String method,
        CompressionRequest request,
        Input input,
        int attempt,
        Error error,
        boolean reportAvailable,
        String modelKind,
        LanguageModel languageModel,
        Timestamps timestamps,
        Links links) {

    /** @param sizeBytes length of the uploaded file */
    public record Input(String name, long sizeBytes, String sha256) {}

    /** @param code stable machine-readable reason, e.g. {@code invalid_model}, {@code poison_message} */
    public record Error(String code, String message) {}

    /**
     * A decoder LM's next-token fidelity, from the job's columns (the report has the rest): prefill windows unless the
     * name says decode. KL divergence is KL(original ‖ compressed) of the next-token distributions, in nats.
     *
     * @param perplexityOriginal   nullable (no evaluation text): perplexity of the original on the evaluation text
     * @param perplexityCompressed nullable: the same under the compressed model
     * @param lnPerplexityRatio    nullable: ln(PPL compressed / PPL original)
     * @param klMean               mean KL divergence
     * @param klP99                99th percentile KL divergence
     * @param decodeKlMean         nullable (no decode steps): mean KL over the decode steps
     * @param sameTop1             fraction of positions where both models' most likely token is the same, in [0, 1]
     * @param band                 the llama.cpp level whose typical mean KL the prefill's is within ({@code Q8_0},
     *                             {@code Q6_K}, {@code Q4_K_M}, or {@code worse than Q4_K_M})
     */
    record LanguageModel(Double perplexityOriginal, Double perplexityCompressed, Double lnPerplexityRatio,
                         Double klMean, Double klP99, Double decodeKlMean, Double sameTop1, String band) {

        static LanguageModel from(ReportMetrics metrics) {
            return metrics == null || !metrics.languageModel() ? null
                    : new LanguageModel(metrics.perplexityOriginal(), metrics.perplexityCompressed(),
                            metrics.lnPerplexityRatio(), metrics.klMean(), metrics.klP99(), metrics.decodeKlMean(),
                            metrics.sameTop1(), metrics.band());
        }
    }

    /** Each nullable until the job reached that point. */
    public record Timestamps(Instant createdAt, Instant queuedAt, Instant startedAt, Instant evaluatingAt,
                      Instant finishedAt, Instant cancelRequestedAt, Instant updatedAt) {}

    public record Links(String self, String events, String report, String artifacts, String cancel) {}

    static JobView from(CompressionJob job, JsonMapper json) {
        String self = JobController.BASE + "/" + job.id();
        return new JobView(
                job.id(),
                job.owner(),
                job.status(),
                job.metrics() == null ? null : job.metrics().verdict(),
                job.method(),
                json.readValue(job.request(), CompressionRequest.class),
                new Input(job.inputName(), job.inputSizeBytes(), job.inputSha256()),
                job.attempt(),
                job.errorCode() == null ? null : new Error(job.errorCode(), job.errorMessage()),
                job.report() != null,
                job.metrics() == null ? null : job.metrics().modelKind(),
                LanguageModel.from(job.metrics()),
                new Timestamps(job.createdAt(), job.queuedAt(), job.startedAt(), job.evaluatingAt(),
                        job.finishedAt(), job.cancelRequestedAt(), job.updatedAt()),
                new Links(self, self + "/events", self + "/report", self + "/artifacts", self + "/cancel"));
    }
}
