package com.modelpress.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * What a user asks for: a method, its options, an optional fidelity target, how to evaluate, and free-form
 * metadata that is stored with the job.
 *
 * @param method     {@code fp16 | int8 | int8-dynamic | int4 | auto}
 * @param options    nullable: defaults
 * @param target     nullable: no target
 * @param evaluation nullable: defaults
 * @param metadata   never null after construction
 * @param webhook    nullable: no webhook for this job (left out of the JSON then, so that requests without one hash
 *                   as they always did)
 */
public record CompressionRequest(
        String method, CompressionOptions options, Target target, EvaluationSpec evaluation,
        Map<String, String> metadata, @JsonInclude(JsonInclude.Include.NON_NULL) Webhook webhook) {

    public CompressionRequest {
        options = options == null ? CompressionOptions.defaults() : options;
        evaluation = evaluation == null ? EvaluationSpec.defaults() : evaluation;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** A request without a webhook. */
    public CompressionRequest(String method, CompressionOptions options, Target target, EvaluationSpec evaluation,
                              Map<String, String> metadata) {
        this(method, options, target, evaluation, metadata, null);
    }

    /**
     * Where the API posts this job's outcome: a signed Standard Webhooks request per event (signed with the owner's
     * webhook signing secret).
     *
     * @param url    an {@code https} URL (the operator may allow {@code http} and allow-list addresses)
     * @param events nullable or empty: {@code job.succeeded}, {@code job.failed} and {@code job.cancelled}; may also
     *               name {@code job.progress}
     */
    public record Webhook(String url, List<String> events) {

        public Webhook {
            events = events == null ? List.of() : List.copyOf(events);
        }

        public Webhook(String url) {
            this(url, null);
        }
    }

    /**
     * A target for {@code auto}: fidelity bounds (every bound that is set must hold: the smallest model that meets them),
     * a size to fit in (the most faithful model at or under it), or both (the size always holds; the bounds are met or
     * the report says by how much they were missed). Nullable components.
     *
     * @param minCosine the worst output's mean cosine must be at least this
     * @param minSqnrDb the worst output's SQNR must be at least this many dB
     * @param maxKl     decoder LMs: the mean KL divergence of the next-token distributions (prefill and decode steps)
     *                  must be at most this; other models: the KL divergence of every logits/probabilities output
     * @param maxPplIncrease decoder LMs evaluated on an {@code evaluationText}: the perplexity on it may grow by at most
     *                  this fraction ({@code 0.01} = 1 %)
     * @param size      the most bytes the compressed model (file plus external data) may take, as {@link SizeTarget}
     *                  reads it: {@code "1.5GB"}, {@code "750MiB"}, {@code "1500000"} or {@code "0.25x"} of the original
     * @param bitsPerWeight the most bits per weight over all weights (embeddings and head included), at least 2
     * @param targetOutput what {@code minCosine} is measured on: {@code tokens} (default: every output's vectors),
     *                  {@code pooled-mean} or {@code cls} (a text encoder's attention-masked mean-pooled or first-token
     *                  sentence embeddings)
     */
    public record Target(Double minCosine, Double minSqnrDb, Double maxKl, Double maxPplIncrease,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String size,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Double bitsPerWeight,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String targetOutput) {

        public Target(Double minCosine, Double minSqnrDb, Double maxKl, Double maxPplIncrease, String targetOutput) {
            this(minCosine, minSqnrDb, maxKl, maxPplIncrease, null, null, targetOutput);
        }

        public Target(Double minCosine, Double minSqnrDb, Double maxKl, Double maxPplIncrease, String size,
                      Double bitsPerWeight) {
            this(minCosine, minSqnrDb, maxKl, maxPplIncrease, size, bitsPerWeight, null);
        }

        public Target(Double minCosine) {
            this(minCosine, null, null);
        }

        public Target(Double minCosine, Double minSqnrDb, Double maxKl) {
            this(minCosine, minSqnrDb, maxKl, null);
        }

        public Target(Double minCosine, Double minSqnrDb, Double maxKl, Double maxPplIncrease) {
            this(minCosine, minSqnrDb, maxKl, maxPplIncrease, null, null);
        }

        /** True when no bound and no size is set. */
        public boolean empty() {
            return !hasFidelityBound() && !hasSize();
        }

        /** True when a cosine, SQNR, KL or perplexity bound is set. */
        public boolean hasFidelityBound() {
            return minCosine != null || minSqnrDb != null || maxKl != null || maxPplIncrease != null;
        }

        /** True when a size or bits per weight is set. */
        public boolean hasSize() {
            return size != null || bitsPerWeight != null;
        }
    }

    /**
     * @param samples     number of evaluation samples (default 8), or with an evaluation text the windows (decoder LMs,
     *                    default 24) or lines (encoders) taken from it
     * @param seed        seed for synthesised inputs (default 7)
     * @param sensitivity whether the report ranks the compressed tensors by measured sensitivity (default true;
     *                    costs one scoring run per compressed tensor)
     * @param context     tokens per window of the calibration and evaluation texts for decoder LMs, the most tokens per
     *                    line for encoders (nullable: the engine's default, 128)
     * @param decodeSteps decoder LMs with a KV cache: decode steps after each prefill window, each model feeding its own
     *                    {@code present} back as {@code past}; 0 scores the prefill only (nullable: the engine's
     *                    default, 32)
     * @param shapes      synthesised inputs: input name → dimension sizes (see {@link DeclaredInputs}); empty for none
     *                    (left out of the JSON then, so that requests without declarations hash as they always did)
     * @param dims        synthesised inputs: symbolic dimension name → size; empty for none
     * @param values      synthesised inputs: input name → the value of every element; empty for none
     */
    public record EvaluationSpec(Integer samples, Long seed, Boolean sensitivity, Integer context, Integer decodeSteps,
                                 @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<Long>> shapes,
                                 @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> dims,
                                 @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Double> values) {
        public static final int DEFAULT_SAMPLES = 8;
        public static final long DEFAULT_SEED = 7;

        public EvaluationSpec {
            DeclaredInputs declared = new DeclaredInputs(shapes, dims, values);
            shapes = declared.shapes();
            dims = declared.dims();
            values = declared.values();
        }

        public EvaluationSpec(Integer samples, Long seed) {
            this(samples, seed, null);
        }

        public EvaluationSpec(Integer samples, Long seed, Boolean sensitivity) {
            this(samples, seed, sensitivity, null, null);
        }

        public EvaluationSpec(Integer samples, Long seed, Boolean sensitivity, Integer context, Integer decodeSteps) {
            this(samples, seed, sensitivity, context, decodeSteps, null, null, null);
        }

        public static EvaluationSpec defaults() {
            return new EvaluationSpec(null, null, null);
        }

        /** The declared shapes, dimensions and values of synthesised inputs. */
        public DeclaredInputs declaredInputs() {
            return new DeclaredInputs(shapes, dims, values);
        }

        public boolean sensitivityOrDefault() {
            return sensitivity == null || sensitivity;
        }

        public int samplesOrDefault() {
            return samples == null ? DEFAULT_SAMPLES : samples;
        }

        public long seedOrDefault() {
            return seed == null ? DEFAULT_SEED : seed;
        }
    }
}
