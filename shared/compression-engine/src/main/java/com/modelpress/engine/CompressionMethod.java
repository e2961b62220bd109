package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionSpec;

import java.util.List;
import java.util.Locale;

/**
 * What to do to a model's weights. A closed set: every switch over it is exhaustive without {@code default},
 * so adding a method fails to compile until every place handles it.
 */
public sealed interface CompressionMethod {

    /** Ids accepted by {@link #of}; {@code auto} needs a target and is made with {@link #auto}. */
    List<String> IDS = CompressionSpec.METHODS;

    /** The method's id as users write it, e.g. {@code int8-dynamic}. */
    String id();

    CompressionOptions options();

    /**
     * The method a checked {@link CompressionSpec} names: the engine's one entry for requests.
     *
     * @param maxEvaluations {@code auto}: the search's budget in model evaluations
     * @param timeLimit      {@code auto}, nullable: a wall-clock limit that may stop the search earlier
     */
    static CompressionMethod of(CompressionSpec spec, int maxEvaluations, java.time.Duration timeLimit) {
        return switch (spec) {
            case CompressionSpec.Fp16 fp16 -> new Fp16(fp16.options());
            case CompressionSpec.Int8 int8 -> new Int8(int8.options());
            case CompressionSpec.Int8Dynamic dynamic -> new Int8Dynamic(dynamic.options());
            case CompressionSpec.Int4 int4 -> new Int4(int4.options());
            case CompressionSpec.Auto auto -> {
                CompressionSpec.Floors floors = auto.floors();
                Goal goal = floors.any() ? new Goal(floors.minCosine(), floors.minSqnrDb(), floors.maxKl(),
                        floors.maxPplIncrease(), floors.targetOutput()) : null;
                Size size = auto.fit() == null ? null : new Size(auto.fit().size(), auto.fit().bitsPerWeight());
                yield new Auto(auto.options(), goal, size, maxEvaluations, timeLimit);
            }
        };
    }

    /**
     * @throws IllegalArgumentException for an unknown id or an option the method cannot honour
     */
    static CompressionMethod of(String id, CompressionOptions options) {
        CompressionOptions given = options == null ? CompressionOptions.defaults() : options;
        // the options a report shows are the ones in force: defaults filled in, block options only for int4
        CompressionOptions common = new CompressionOptions(null, null, given.excludeNodes(), given.minElementsOrDefault())
                .withKeepNames(given.keepNamesOrDefault());
        return switch (id == null ? "" : id.toLowerCase(Locale.ROOT)) {
            case "fp16" -> new Fp16(common);
            case "int8" -> new Int8(common);
            case "int8-dynamic" -> new Int8Dynamic(common);
            case "int4" -> new Int4(new CompressionOptions(given.blockSizeOrDefault(), given.symmetricOrDefault(),
                    given.excludeNodes(), given.minElementsOrDefault(), given.roundingOrDefault())
                    .withKeepNames(given.keepNamesOrDefault()));
            case "auto" -> throw new IllegalArgumentException("auto needs a target, e.g. a minimum cosine");
            default -> throw new IllegalArgumentException(
                    "unknown method '%s'; expected one of %s".formatted(id, String.join(", ", IDS)));
        };
    }

    /**
     * The smallest per-tensor mix of int4, int8, fp16 and float32 whose worst output mean cosine on the
     * evaluation samples reaches {@code minCosine}, searched within {@code budget}; see {@link Goal} for SQNR and
     * KL bounds.
     *
     * @throws IllegalArgumentException when the target is not in (0, 1] or the budget is not positive
     */
    static CompressionMethod auto(CompressionOptions options, double minCosine, java.time.Duration budget) {
        return auto(options, new Goal(minCosine, null, null), budget);
    }

    /**
     * {@code auto} with any combination of cosine, SQNR and KL bounds, searched with at most
     * {@value Auto#DEFAULT_MAX_EVALUATIONS} evaluations and stopped early when {@code timeLimit} runs out.
     */
    static CompressionMethod auto(CompressionOptions options, Goal goal, java.time.Duration timeLimit) {
        return auto(options, goal, null, Auto.DEFAULT_MAX_EVALUATIONS, timeLimit);
    }

    /**
     * {@code auto} with fidelity bounds, a size, or both.
     *
     * @param goal           nullable when {@code size} is set: no fidelity floor
     * @param size           nullable: fit the model to a size, mixing 2, 4 and 8 bits per tensor
     * @param maxEvaluations the most model evaluations the search may run: what bounds it, so that the same inputs
     *                       give the same model on any machine
     * @param timeLimit      nullable: a wall-clock limit that may stop the search earlier (the report then says so)
     */
    static Auto auto(CompressionOptions options, Goal goal, Size size, int maxEvaluations,
                     java.time.Duration timeLimit) {
        CompressionOptions given = options == null ? CompressionOptions.defaults() : options;
        return new Auto(new CompressionOptions(given.blockSizeOrDefault(), given.symmetricOrDefault(),
                given.excludeNodes(), given.minElementsOrDefault(), given.roundingOrDefault())
                .withKeepNames(given.keepNamesOrDefault()), goal, size,
                maxEvaluations, timeLimit);
    }

    /**
     * A size for {@code auto} to fit the model in; when both are set, both hold.
     *
     * @param bytes         nullable: the most bytes of the model file plus its external data
     * @param bitsPerWeight nullable: the most bits per weight over all weights (embeddings and head included), at least 2
     */
    record Size(com.modelpress.contracts.SizeTarget bytes, Double bitsPerWeight) {
        public Size {
            if (bytes == null && bitsPerWeight == null) {
                throw new IllegalArgumentException("a size target needs a size or bits per weight");
            }
            if (bitsPerWeight != null && !(bitsPerWeight >= 2 && bitsPerWeight <= 32)) {
                throw new IllegalArgumentException(("bits per weight must be between 2 (the narrowest width, 2-bit codes) "
                        + "and 32, was %s").formatted(bitsPerWeight));
            }
        }

        public String describe() {
            java.util.List<String> parts = new java.util.ArrayList<>();
            if (bytes != null) {
                parts.add("size " + bytes.text());
            }
            if (bitsPerWeight != null) {
                parts.add(String.format(java.util.Locale.ROOT, "%.3g bits per weight", bitsPerWeight));
            }
            return String.join(", ", parts);
        }
    }

    /**
     * What {@code auto} must reach on the evaluation samples; every bound that is set must hold.
     *
     * @param minCosine       nullable: the worst output's mean cosine, in (0, 1]
     * @param minSqnrDb       nullable: the worst output's SQNR in dB
     * @param maxKl           nullable: positive; for a decoder LM the mean KL divergence of its next-token distributions
     *                        (prefill and decode steps, each phase on its own), otherwise the largest KL divergence of a
     *                        logits/probabilities output
     * @param maxPplIncrease  nullable: positive; a decoder LM's perplexity on the evaluation text may grow by at most this
     *                        fraction (0.01 = 1 %); needs an evaluation text
     * @param targetOutput    nullable ({@code tokens}): what {@code minCosine} is measured on — {@code tokens} (every
     *                        output's vectors), {@code pooled-mean} or {@code cls} (a text encoder's attention-masked
     *                        mean-pooled or first-token sentence embeddings)
     */
    record Goal(Double minCosine, Double minSqnrDb, Double maxKl, Double maxPplIncrease, String targetOutput) {

        /** The values {@code targetOutput} takes. */
        public static final List<String> TARGET_OUTPUTS = List.of("tokens", "pooled-mean", "cls");

        public Goal(Double minCosine, Double minSqnrDb, Double maxKl, Double maxPplIncrease) {
            this(minCosine, minSqnrDb, maxKl, maxPplIncrease, null);
        }

        public Goal {
            if (targetOutput != null && !TARGET_OUTPUTS.contains(targetOutput)) {
                throw new IllegalArgumentException("the target output must be one of %s, not '%s'"
                        .formatted(TARGET_OUTPUTS, targetOutput));
            }
            if (targetOutput != null && !targetOutput.equals("tokens") && minCosine == null) {
                throw new IllegalArgumentException("target output " + targetOutput + " is what a minimum cosine is"
                        + " measured on: give one");
            }
            if (minCosine == null && minSqnrDb == null && maxKl == null && maxPplIncrease == null) {
                throw new IllegalArgumentException(
                        "auto needs a target: a minimum cosine, a minimum SQNR, a maximum KL or a maximum perplexity increase");
            }
            if (maxPplIncrease != null && !(maxPplIncrease > 0)) {
                throw new IllegalArgumentException("the allowed perplexity increase must be positive, was " + maxPplIncrease);
            }
            if (minCosine != null && !(minCosine > 0 && minCosine <= 1)) {
                throw new IllegalArgumentException("the target cosine must be in (0, 1], was " + minCosine);
            }
            if (minSqnrDb != null && !Double.isFinite(minSqnrDb)) {
                throw new IllegalArgumentException("the target SQNR must be a number of dB, was " + minSqnrDb);
            }
            if (maxKl != null && !(maxKl > 0)) {
                throw new IllegalArgumentException("the target KL divergence must be positive, was " + maxKl);
            }
        }

        public Goal(Double minCosine, Double minSqnrDb, Double maxKl) {
            this(minCosine, minSqnrDb, maxKl, null);
        }

        /**
         * Whether an evaluation meets every bound: KL and perplexity from the next-token metrics when the model is a
         * decoder LM, else KL from the outputs; a perplexity bound needs perplexity measured on text.
         */
        public boolean metBy(com.modelpress.engine.evaluation.EvaluationResult result) {
            var lm = result.languageModel();
            if (pooled()) {
                return maxPplIncrease == null && metByPooled(result);
            }
            if (lm == null) {
                return maxPplIncrease == null && metBy(result.outputs());
            }
            if (!meetsCosineAndSqnr(result.outputs())) {
                return false;
            }
            if (maxKl != null && java.util.stream.Stream.of(lm.prefill(), lm.decode())
                    .anyMatch(phase -> phase != null && phase.klMean() > maxKl)) {
                return false;
            }
            if (maxPplIncrease != null) {
                Double ratio = lm.prefill() == null ? null : lm.prefill().lnPerplexityRatio();
                return ratio != null && Math.exp(ratio) - 1 <= maxPplIncrease;
            }
            return true;
        }

        /** True when the cosine bound is on pooled sentence embeddings rather than on every output's vectors. */
        public boolean pooled() {
            return targetOutput != null && !targetOutput.equals("tokens");
        }

        /**
         * The cosine bound on the pooled sentence embeddings ({@code targetOutput}), the SQNR and KL bounds on the
         * outputs as always; not met when the evaluation pooled none (not a text encoder).
         */
        private boolean metByPooled(com.modelpress.engine.evaluation.EvaluationResult result) {
            var pooled = result.sentenceEmbeddings();
            if (pooled == null) {
                return false;
            }
            double cosine = targetOutput.equals("cls") ? pooled.clsCosineMean() : pooled.meanPooledCosineMean();
            return cosine >= minCosine
                    && (minSqnrDb == null && maxKl == null || new Goal(null, minSqnrDb, maxKl).metBy(result.outputs()));
        }

        private boolean meetsCosineAndSqnr(java.util.List<com.modelpress.contracts.FidelityReport.OutputFidelity> outputs) {
            return (minCosine == null || outputs.stream().allMatch(o -> o.cosineMean() >= minCosine))
                    && (minSqnrDb == null || outputs.stream().allMatch(o -> o.sqnrDb() >= minSqnrDb));
        }

        /** Whether outputs measured by the engine meet every bound; a KL bound needs a logits output. */
        public boolean metBy(java.util.List<com.modelpress.contracts.FidelityReport.OutputFidelity> outputs) {
            if (!meetsCosineAndSqnr(outputs)) {
                return false;
            }
            if (maxKl != null) {
                var kls = outputs.stream().filter(o -> o.klDivergence() != null).toList();
                return !kls.isEmpty() && kls.stream().allMatch(o -> o.klDivergence() <= maxKl);
            }
            return true;
        }

        /**
         * One line per bound that {@code result} does not meet, with the measured value and the gap; empty when every
         * bound holds (see {@link #metBy(com.modelpress.engine.evaluation.EvaluationResult)}).
         */
        public java.util.List<String> missedBy(com.modelpress.engine.evaluation.EvaluationResult result) {
            java.util.List<String> missed = new java.util.ArrayList<>();
            java.util.Locale root = java.util.Locale.ROOT;
            var outputs = result.outputs();
            if (minCosine != null) {
                double worst = com.modelpress.contracts.FidelityReport.worstCosineMean(outputs);
                if (worst < minCosine) {
                    missed.add(String.format(root, "cosine %.5f < %.5f (by %.2g)", worst, minCosine, minCosine - worst));
                }
            }
            if (minSqnrDb != null) {
                double worst = outputs.stream().mapToDouble(o -> o.sqnrDb()).min().orElse(Double.POSITIVE_INFINITY);
                if (worst < minSqnrDb) {
                    missed.add(String.format(root, "SQNR %.2f dB < %.2f dB (by %.2f dB)", worst, minSqnrDb, minSqnrDb - worst));
                }
            }
            var lm = result.languageModel();
            if (maxKl != null) {
                double kl = lm != null
                        ? java.util.stream.Stream.of(lm.prefill(), lm.decode()).filter(java.util.Objects::nonNull)
                                .mapToDouble(phase -> phase.klMean()).max().orElse(Double.NaN)
                        : outputs.stream().filter(o -> o.klDivergence() != null).mapToDouble(o -> o.klDivergence()).max()
                                .orElse(Double.NaN);
                if (Double.isNaN(kl)) {
                    missed.add("KL: not measured (no logits output)");
                } else if (kl > maxKl) {
                    missed.add(String.format(root, "KL %.5f > %.5f (by %.2g, %.2f times the bound)", kl, maxKl, kl - maxKl,
                            kl / maxKl));
                }
            }
            if (maxPplIncrease != null) {
                Double ratio = lm == null || lm.prefill() == null ? null : lm.prefill().lnPerplexityRatio();
                if (ratio == null) {
                    missed.add("perplexity: not measured (needs an evaluation text)");
                } else if (Math.exp(ratio) - 1 > maxPplIncrease) {
                    missed.add(String.format(root, "perplexity +%.2f %% > +%.2f %%", 100 * (Math.exp(ratio) - 1),
                            100 * maxPplIncrease));
                }
            }
            return missed;
        }

        public String describe() {
            java.util.List<String> parts = new java.util.ArrayList<>();
            if (minCosine != null) {
                parts.add(String.format(java.util.Locale.ROOT, "cosine %.5f%s", minCosine,
                        pooled() ? " of the " + targetOutput + " sentence embeddings" : ""));
            }
            if (minSqnrDb != null) {
                parts.add(String.format(java.util.Locale.ROOT, "SQNR %.1f dB", minSqnrDb));
            }
            if (maxKl != null) {
                parts.add(String.format(java.util.Locale.ROOT, "KL %.4f", maxKl));
            }
            if (maxPplIncrease != null) {
                parts.add(String.format(java.util.Locale.ROOT, "perplexity +%.2f %%", 100 * maxPplIncrease));
            }
            return String.join(", ", parts);
        }
    }

    /** Float16 weights decoded back to float32 with {@code Cast}. */
    record Fp16(CompressionOptions options) implements CompressionMethod {
        public String id() {
            return "fp16";
        }
    }

    /** Weight-only per-output-channel symmetric int8 ({@code DequantizeLinear}); int8 rows for lookup tables. */
    record Int8(CompressionOptions options) implements CompressionMethod {
        public String id() {
            return "int8";
        }
    }

    /** Int8 weights with dynamically quantized activations ({@code DynamicQuantizeLinear + MatMulInteger}). */
    record Int8Dynamic(CompressionOptions options) implements CompressionMethod {
        public String id() {
            return "int8-dynamic";
        }
    }

    /**
     * See {@link #auto}. {@code options} apply to the int4 tensors of the mix.
     *
     * @param goal           nullable when {@code size} is set
     * @param size           nullable: no size target
     * @param maxEvaluations at least 1: the search's budget, counted in model evaluations
     * @param timeLimit      nullable: no wall-clock limit; else positive
     */
    record Auto(CompressionOptions options, Goal goal, Size size, int maxEvaluations, java.time.Duration timeLimit)
            implements CompressionMethod {

        /** Evaluations an {@code auto} search may run unless told otherwise. */
        public static final int DEFAULT_MAX_EVALUATIONS = 1024;

        public Auto {
            if (goal == null && size == null) {
                throw new IllegalArgumentException("auto needs a target: a fidelity bound, a size, or both");
            }
            if (maxEvaluations < 1) {
                throw new IllegalArgumentException("the search budget must be at least 1 evaluation, was " + maxEvaluations);
            }
            if (timeLimit != null && (timeLimit.isNegative() || timeLimit.isZero())) {
                throw new IllegalArgumentException("the search's time limit must be positive, was " + timeLimit);
            }
            if (!Int4.BLOCK_SIZES.contains(options.blockSizeOrDefault())) {
                throw new IllegalArgumentException("block size %d is not supported; use one of %s"
                        .formatted(options.blockSizeOrDefault(), Int4.BLOCK_SIZES));
            }
            Int4.checkRounding(options);
        }

        public String id() {
            return "auto";
        }

        /** The target as users wrote it: the size and the fidelity bounds. */
        public String describe() {
            java.util.List<String> parts = new java.util.ArrayList<>();
            if (size != null) {
                parts.add(size.describe());
            }
            if (goal != null) {
                parts.add(goal.describe());
            }
            return String.join(", ", parts);
        }
    }

    /** Block-wise 4-bit weights ({@code com.microsoft::MatMulNBits}); 4-bit rows for lookup tables. */
    record Int4(CompressionOptions options) implements CompressionMethod {
        public static final List<Integer> BLOCK_SIZES = List.of(16, 32, 64, 128);

        public Int4 {
            int blockSize = options.blockSizeOrDefault();
            if (!BLOCK_SIZES.contains(blockSize)) {
                throw new IllegalArgumentException("block size %d is not supported; use one of %s".formatted(blockSize, BLOCK_SIZES));
            }
            checkRounding(options);
        }

        static void checkRounding(CompressionOptions options) {
            if (!CompressionOptions.ROUNDINGS.contains(options.roundingOrDefault())) {
                throw new IllegalArgumentException("rounding '%s' is not supported; use one of %s"
                        .formatted(options.rounding(), CompressionOptions.ROUNDINGS));
            }
        }

        /** True when the rounding uses calibration activations. */
        public boolean calibrated() {
            return options.roundingUsesCalibration();
        }

        public String id() {
            return "int4";
        }

        public int blockSize() {
            return options.blockSizeOrDefault();
        }

        public boolean symmetric() {
            return options.symmetricOrDefault();
        }
    }
}
