package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationResult;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;
import com.modelpress.engine.fp16.Fp16Pass;
import com.modelpress.engine.graph.ModelRewriter;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int4.Int4Pass;
import com.modelpress.engine.int8.Int8Pass;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.PatchMoments;
import com.modelpress.engine.quant.WeightPass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code auto}: the smallest per-tensor mix that meets a cosine target on the evaluation samples.
 *
 * <ol>
 *   <li>Everything in int4 (GPTQ when calibrated). Meets the target: done.</li>
 *   <li>Otherwise measure each tensor's sensitivity: the model with only that tensor in int4 (plain rounding,
 *       the rest float32), scored like the final model. Cheap predictors (weight SQNR, layer output error) rank
 *       tensors poorly on real models (see docs/BENCHMARKS.md, sensitivity), so this is measured.</li>
 *   <li>Order tensors by measured loss per element and find, by bisection, the shortest prefix that must move
 *       to int8 for the target to hold; if even all-int8 misses, try fp16.</li>
 * </ol>
 * Bounded by a number of evaluations ({@link CompressionMethod.Auto#maxEvaluations()}), never by time, so the same
 * inputs give the same model on any machine: when the budget runs out the best model found so far is returned, and
 * the report says whether it meets the target. A wall-clock limit, when set, may only stop the search earlier, and
 * {@link Choice#stoppedEarly()} then says so. Never ends empty.
 *
 * <p>Not thread-safe; one instance per compression.
 */
final class AutoSearch {

    enum Level { INT4, INT8, FP16, FP32 }

    /**
     * @param assignment level per tensor name; tensors not named use {@code rest}
     * @param targetMet  whether the chosen mix met the target
     * @param trace      one line per evaluated candidate, for the report
     * @param evaluations model evaluations run
     * @param stoppedEarly nullable: why the wall-clock limit stopped the search before it was done
     * @param candidates every mix scored (not the one-tensor sensitivity runs), in order, the chosen one marked
     */
    record Choice(Map<String, Level> assignment, Level rest, boolean targetMet, List<String> trace, int evaluations,
                  String stoppedEarly, List<FidelityReport.AutoCandidate> candidates) {}

    /** Measured losses, 1 − worst mean cosine with only that tensor in int4, by tensor name; empty when not measured. */
    private final Map<String, Double> measuredLoss = new LinkedHashMap<>();

    Map<String, Double> measuredLoss() {
        return Map.copyOf(measuredLoss);
    }

    private final CompressionMethod.Auto auto;
    private final EvaluationSettings evaluation;
    private final Map<String, double[]> moments;
    /** Patch statistics of Conv kernels by convolution output; empty when uncalibrated. */
    private final Map<String, PatchMoments> convPatches;
    private final ProgressListener progress;
    private final SearchBudget budget;
    private final List<String> trace = new ArrayList<>();
    private final List<Scored> scored = new ArrayList<>();
    private int candidates;

    AutoSearch(CompressionMethod.Auto auto, EvaluationSettings evaluation, Map<String, double[]> moments,
               ProgressListener progress) {
        this(auto, evaluation, moments, Map.of(), progress);
    }

    /** @param convPatches Conv kernels' patch statistics: their int8 (also what int4 gives them) is calibrated */
    AutoSearch(CompressionMethod.Auto auto, EvaluationSettings evaluation, Map<String, double[]> moments,
               Map<String, PatchMoments> convPatches, ProgressListener progress) {
        this.auto = auto;
        this.evaluation = evaluation.withoutLatency();
        this.moments = moments;
        this.convPatches = Map.copyOf(convPatches);
        this.progress = progress;
        this.budget = new SearchBudget(auto.maxEvaluations(), auto.timeLimit());
    }

    /** The pass that applies {@code assignment}; tensors at {@link Level#FP32} are kept. */
    WeightPass pass(Map<String, Level> assignment, Level rest, Map<String, double[]> inputMoments) {
        Map<Level, WeightPass> passes = Map.of(
                Level.INT4, new Int4Pass(auto.options().blockSizeOrDefault(), auto.options().symmetricOrDefault(),
                        auto.options().roundingOrDefault(), inputMoments),
                Level.INT8, new Int8Pass(convPatches::get),
                Level.FP16, new Fp16Pass());
        return (Weight weight, float[] values, RewriteScope scope) -> {
            Level level = convAsInt8(weight, assignment.getOrDefault(weight.name(), rest));
            if (level == Level.FP32) {
                return WeightPass.kept(weight, "auto: kept in float32");
            }
            return passes.get(level).apply(weight, values, scope);
        };
    }

    Choice search(OnnxModel source, Path input, Path scratchDirectory) throws IOException {
        List<Weight> tensors = candidates(source);
        Scored allInt4 = score(source, input, scratchDirectory, Map.of(), Level.INT4, moments, "all int4");
        if (allInt4.meets) {
            return choice(Map.of(), Level.INT4, true);
        }
        Scored best = allInt4;
        Scored bestMeeting = null;
        Map<String, Double> lossPerElement = sensitivity(source, input, scratchDirectory, tensors);
        List<String> order = tensors.stream()
                .sorted(Comparator.comparingDouble((Weight w) -> lossPerElement.getOrDefault(w.name(), Double.MAX_VALUE)).reversed())
                .map(Weight::name).toList();

        if (budget.exhausted()) {
            trace.add("auto: " + budget.describe() + " before all int8 was tried");
            return choice(best.assignment, best.rest, false);
        }
        Scored allInt8 = score(source, input, scratchDirectory, Map.of(), Level.INT8, Map.of(), "all int8");
        best = better(best, allInt8);
        if (!allInt8.meets && budget.exhausted()) {
            return choice(best.assignment, best.rest, false);
        }
        if (!allInt8.meets) {
            return fp16Where(source, input, scratchDirectory, order, best);
        }
        bestMeeting = allInt8;
        // bisection on how many of the most sensitive tensors move to int8 (the rest stay int4)
        int low = 1;
        int high = order.size();
        while (low < high && !budget.exhausted()) {
            int middle = (low + high) / 2;
            Map<String, Level> assignment = new LinkedHashMap<>();
            order.subList(0, middle).forEach(name -> assignment.put(name, Level.INT8));
            Scored mixed = score(source, input, scratchDirectory, assignment, Level.INT4, moments,
                    "%d most sensitive of %d tensors in int8, the rest int4".formatted(middle, order.size()));
            if (mixed.meets) {
                bestMeeting = mixed.bytes < bestMeeting.bytes ? mixed : bestMeeting;
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        if (low < high) {
            trace.add("auto: %s; returning the smallest mix found that meets the target".formatted(budget.describe()));
        }
        return choice(bestMeeting.assignment, bestMeeting.rest, true);
    }

    private Choice choice(Map<String, Level> assignment, Level rest, boolean met) {
        List<FidelityReport.AutoCandidate> tried = scored.stream()
                .map(s -> new FidelityReport.AutoCandidate(s.label, s.bytes, s.ratio, s.cosine, s.klMean, s.meets,
                        s.assignment.equals(assignment) && s.rest == rest))
                .toList();
        return new Choice(assignment, rest, met, trace, budget.evaluations(), budget.stoppedEarly(), tried);
    }

    /**
     * When even all-int8 misses: the most sensitive tensors in fp16 and the rest int8, the fewest fp16 tensors that meet
     * the target found by bisection over the measured order; all fp16 when none does (the closest found if that
     * misses too).
     */
    private Choice fp16Where(OnnxModel source, Path input, Path scratchDirectory, List<String> order, Scored best)
            throws IOException {
        Scored allFp16 = score(source, input, scratchDirectory, Map.of(), Level.FP16, Map.of(), "all fp16");
        best = better(best, allFp16);
        if (!allFp16.meets) {
            return choice(best.assignment, best.rest, false);
        }
        Scored bestMeeting = allFp16;
        int low = 1;
        int high = order.size();
        while (low < high && !budget.exhausted()) {
            int middle = (low + high) / 2;
            Map<String, Level> assignment = new LinkedHashMap<>();
            order.subList(0, middle).forEach(name -> assignment.put(name, Level.FP16));
            Scored mixed = score(source, input, scratchDirectory, assignment, Level.INT8, Map.of(),
                    "%d most sensitive of %d tensors in fp16, the rest int8".formatted(middle, order.size()));
            if (mixed.meets) {
                bestMeeting = mixed.bytes < bestMeeting.bytes ? mixed : bestMeeting;
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return choice(bestMeeting.assignment, bestMeeting.rest, true);
    }

    /**
     * int4 of a Conv kernel is int8 anyway ({@link Int4Pass} falls back to it): with patch statistics it goes through
     * {@link Int8Pass}, which calibrates it.
     */
    private Level convAsInt8(Weight weight, Level level) {
        return level == Level.INT4 && !convPatches.isEmpty() && Int8Pass.calibrates(weight) ? Level.INT8 : level;
    }


    private record Scored(Map<String, Level> assignment, Level rest, double cosine, long bytes, boolean meets,
                          String label, double ratio, Double klMean) {}

    private static Scored better(Scored a, Scored b) {
        return b.cosine > a.cosine ? b : a;
    }

    private Scored score(OnnxModel source, Path input, Path scratchDirectory, Map<String, Level> assignment, Level rest,
                         Map<String, double[]> inputMoments, String label) throws IOException {
        Path candidate = scratchDirectory.resolve("candidate-" + (++candidates) + ".onnx");
        try {
            Compression.Outcome outcome = new Compression("auto", auto.options(), pass(assignment, rest, inputMoments),
                    ProgressListener.NONE).run(source, candidate);
            EvaluationResult result = FidelityEvaluator.evaluate(input, candidate, evaluation, ProgressListener.NONE);
            budget.spend(1);
            double cosine = FidelityReport.worstCosineMean(result.outputs());
            boolean meets = auto.goal().metBy(result);
            double ratio = (double) outcome.compressedBytes() / outcome.originalBytes();
            trace.add(String.format(Locale.ROOT, "auto: %s -> cosine %.5f at %.3f of the original size%s", label, cosine,
                    ratio, meets ? " (meets the target)" : ""));
            reportProgress();
            Double klMean = result.languageModel() == null ? null : result.languageModel().prefill().klMean();
            Scored tried = new Scored(Map.copyOf(assignment), rest, cosine, outcome.compressedBytes(), meets, label,
                    ratio, klMean);
            scored.add(tried);
            return tried;
        } finally {
            Files.deleteIfExists(candidate);
            Files.deleteIfExists(candidate.resolveSibling(candidate.getFileName() + ".data"));
        }
    }

    /** Loss of worst mean cosine per element with only that tensor in int4; unmeasured (out of time) tensors absent. */
    private Map<String, Double> sensitivity(OnnxModel source, Path input, Path scratchDirectory, List<Weight> tensors)
            throws IOException {
        Map<String, Double> lossPerElement = new HashMap<>();
        List<String> losses = new ArrayList<>();
        for (Weight tensor : tensors.stream().sorted(Comparator.comparingLong(Weight::elements).reversed()).toList()) {
            // evaluations kept for all-int8, all-fp16 and the bisection after the measurements
            int reserve = 2 + (32 - Integer.numberOfLeadingZeros(Math.max(1, tensors.size())));
            if (budget.exhausted() || !budget.allows(reserve + 1)) {
                trace.add("auto: %s after measuring %d of %d tensors; the rest count as most sensitive"
                        .formatted(budget.exhausted() ? budget.describe()
                                : "the budget of %d evaluations keeps %d for the search".formatted(budget.maxEvaluations(), reserve),
                                lossPerElement.size(), tensors.size()));
                break;
            }
            int before = trace.size();
            Scored alone = score(source, input, scratchDirectory, Map.of(tensor.name(), Level.INT4), Level.FP32, Map.of(),
                    "only " + tensor.name() + " in int4");
            trace.remove(before); // one summary line instead of one per tensor
            scored.removeLast(); // a measurement, not a candidate
            lossPerElement.put(tensor.name(), (1 - alone.cosine) / tensor.elements());
            measuredLoss.put(tensor.name(), 1 - alone.cosine);
            losses.add(String.format(Locale.ROOT, "%s %.2e", tensor.name(), 1 - alone.cosine));
        }
        trace.add("auto: sensitivity (1 - cosine with only that tensor in int4): " + String.join(", ", losses));
        return lossPerElement;
    }

    /** Tensors the mix decides about: those int4 would change. */
    private List<Weight> candidates(OnnxModel source) {
        List<Weight> result = new ArrayList<>();
        for (Weight weight : new ModelRewriter(source, null).weights()) {
            boolean eligible = Compression.eligible(weight, auto.options())
                    && (MatMulWeights.isRightHandSide(weight) || Int8Encodings.isGatherTable(weight)
                    || MatMulWeights.isTiedTable(weight)
                    || Int8Encodings.outputChannelAxis(weight).isPresent());
            if (eligible) {
                result.add(weight);
            }
        }
        return result;
    }

    private void reportProgress() {
        progress.onProgress("auto", Math.min(1, (double) budget.evaluations() / auto.maxEvaluations()));
    }

}
