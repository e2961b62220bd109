package com.modelpress.contracts;

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
 */
public record CompressionRequest(
        String method, CompressionOptions options, Target target, EvaluationSpec evaluation,
        Map<String, String> metadata) {

    public CompressionRequest {
        options = options == null ? CompressionOptions.defaults() : options;
        evaluation = evaluation == null ? EvaluationSpec.defaults() : evaluation;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /**
     * A fidelity target for {@code auto}; every bound that is set must hold. Nullable components.
     *
     * @param minCosine the worst output's mean cosine must be at least this
     * @param minSqnrDb the worst output's SQNR must be at least this many dB
     * @param maxKl     the largest KL divergence of a logits/probabilities output must be at most this
     */
    public record Target(Double minCosine, Double minSqnrDb, Double maxKl) {

        public Target(Double minCosine) {
            this(minCosine, null, null);
        }
    }

    /**
     * @param samples     number of evaluation samples (default 8)
     * @param seed        seed for synthesised inputs (default 7)
     * @param sensitivity whether the report ranks the compressed tensors by measured sensitivity (default true;
     *                    costs one scoring run per compressed tensor)
     */
    public record EvaluationSpec(Integer samples, Long seed, Boolean sensitivity) {
        public static final int DEFAULT_SAMPLES = 8;
        public static final long DEFAULT_SEED = 7;

        public EvaluationSpec(Integer samples, Long seed) {
            this(samples, seed, null);
        }

        public static EvaluationSpec defaults() {
            return new EvaluationSpec(null, null, null);
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
