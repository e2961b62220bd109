package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;
import com.modelpress.engine.graph.DecodedValuesListener;
import com.modelpress.engine.graph.ModelRewriter;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.ScratchSpace;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int4.MatrixProducts;
import com.modelpress.engine.int4.WidthQuantizer;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.NBitsEncodings;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code auto} with a size: the most faithful model at or under a number of bytes (or bits per weight), mixing 2, 4
 * and 8 bits (and 16 bits kept) per tensor.
 *
 * <ol>
 *   <li><b>Options.</b> Every MatMul/Gemm weight, lookup table and tied table the {@code MatMulNBits} /
 *       {@code GatherBlockQuantized} encodings serve may take any of {@link #RUNGS} (2 bits in blocks of 128, 64 and 32,
 *       4 bits with zero points in blocks of 128, 64 and 32, 8
 *       bits in blocks of 128) or 16 bits, each with its exact stored bytes.
 *       Anything else stays as stored and counts as fixed bytes.</li>
 *   <li><b>Refusal.</b> When even every tensor at its smallest option does not fit, the request is refused before any
 *       calibration or measurement ({@link #check}).</li>
 *   <li><b>Measured damage around the plan.</b> Errors of many narrow tensors compound far beyond their sum, so damage
 *       is measured around an operating point, not against the original: the original with every tensor's weights
 *       replaced by their decoded values (GPTQ with its calibration activations) at the current plan is written, scored
 *       whole, and each tensor's neighbouring widths (one rung down, one up) are swapped into it one at a time through
 *       ONNX Runtime's session-level initializer override, scored on {@value #MEASURE_WINDOWS} calibration windows (or
 *       samples): KL of the logits for a model with a distribution output, else 1 − the worst output's mean cosine.
 *       No model file is written per measurement.</li>
 *   <li><b>Choice, in rounds.</b> {@link WidthPlanner} minimises the sum of the changes under the byte budget; the plan
 *       is measured whole (which also says how far the additive prediction was off), the neighbours are measured
 *       around it and the plan is made again, while the evaluations last (at most {@link #ROUNDS} rounds). The uniform
 *       plans of {@link #UNIFORMS} that fit are measured whole first and the best is the first operating point; the
 *       kept plan is the measured one with the least damage, so it is never a mixed plan that measured worse than a
 *       uniform one that fits.</li>
 *   <li><b>Always fits.</b> The chosen model is written and its bytes (file plus external data) compared with the
 *       target; when the graph's own overhead made it larger, the budget shrinks by the excess and the plan is made
 *       again, so the result is at or under the size, always.</li>
 * </ol>
 * The final model is then evaluated end to end on the evaluation samples by the caller (the measured fidelity).
 * Bounded by evaluations, not time: the same inputs make the same model on any machine.
 *
 * <p>Not thread-safe; one instance per compression.
 */
final class SizeFit {

    /** Calibration windows (decoder LMs on text) or samples each damage is measured on. */
    static final int MEASURE_WINDOWS = 8;
    /** Graph bytes allowed per rewritten tensor (node and initializer protos, names) before the written size is known. */
    static final long NODE_ALLOWANCE = 512;
    /** How many times the plan is remade when the written model came out above the size. */
    static final int REFITS = 4;
    /** Points on the size-against-damage curve between the 2-bit floor and the target. */
    static final int CURVE_POINTS = 8;

    /**
     * The widths a tensor may take as {bits, block, symmetric (1) or with zero points (0)}, narrowest first (16 bits
     * is added to each): the rungs neighbours step along. Symmetric 4 bits (no zero points, blocks up to 256,
     * which ONNX Runtime 1.29 runs: WidthKernelsTest) is encoded by {@link WidthPlanner.Option#symmetric()} but not on
     * the ladder: with it the fit at uniform int4's size on SizeFitTest's decoder came out worse than uniform int4.
     */
    static final List<int[]> RUNGS = List.of(new int[]{2, 128, 0}, new int[]{2, 64, 0}, new int[]{2, 32, 0}, new int[]{4, 128, 0},
            new int[]{4, 64, 0}, new int[]{4, 32, 0}, new int[]{8, 128, 1});
    /**
     * Uniform plans as {bits, block of products, block of lookup tables only looked up}, the widest first: each that
     * fits the budget is measured whole, the best of them is the first operating point, and no mixed plan is kept
     * unless it measured better. {4, 32, 64} is how {@code int4} stores a model (tables in blocks of
     * {@link com.modelpress.engine.int4.Int4Pass#MIN_TABLE_BLOCK_SIZE}); the last is the start when none fits.
     */
    static final List<int[]> UNIFORMS = List.of(new int[]{8, 128, 128}, new int[]{4, 32, 32}, new int[]{4, 32, 64},
            new int[]{4, 64, 64}, new int[]{4, 128, 128});
    /** The smallest block a rung falls back to when the encoding does not take its own (a table's row length). */
    static final int MIN_BLOCK = 16;
    /**
     * Bytes per tensor the probe's overhead may be off by for another plan (varint lengths, names of zero points): a
     * uniform plan at most this far over the budget is written to learn whether it fits.
     */
    static final long PROBE_SLACK = 16;
    /** Most whole plans measured after the first operating point. */
    static final int ROUNDS = 4;
    /** Decoded values kept for re-measurement (floats): about 256 MB. */
    static final long CACHE_FLOATS = 64L << 20;

    /** A tensor the widths apply to, and its options before damage is measured. */
    private record Candidate(Weight weight, int k, int n, List<WidthPlanner.Option> options) {}

    /** What the model is made of, for the byte accounting. */
    private record Inventory(List<Candidate> candidates, long fileBytes, long fixedFileBytes, long weightElements,
                             long fixedWeightBytes) {}

    /**
     * @param outcome   the written model
     * @param plan      the widths chosen
     * @param fit       the report's part (measured damage still null: the caller evaluates)
     * @param notes     for the report
     * @param candidates every plan measured whole on the calibration samples (uniform and mixed), with its predicted
     *                   file bytes; {@code klMean} is that calibration damage when the metric is KL
     */
    record Result(Compression.Outcome outcome, WidthPlanner.Plan plan, MixedWidthPass pass, FidelityReport.SizeFit fit,
                  List<String> notes, int evaluations, String stoppedEarly, List<FidelityReport.AutoCandidate> candidates) {}

    private final CompressionMethod.Auto auto;
    private final Function<String, double[]> moments;
    private final MatrixProducts products;
    private final SearchBudget budget;
    private final List<String> notes = new ArrayList<>();

    /** @param moments calibration {@code XᵀX} by activation name; null where absent */
    SizeFit(CompressionMethod.Auto auto, Function<String, double[]> moments, MatrixProducts products) {
        this.auto = auto;
        this.moments = moments;
        this.products = products;
        this.budget = new SearchBudget(auto.maxEvaluations(), auto.timeLimit());
    }

    /**
     * Refuses a size this model cannot reach, before any work.
     *
     * @throws SizeTargetException naming the smallest size the model can have
     */
    static void check(OnnxModel source, CompressionMethod.Auto auto) throws IOException {
        Inventory inventory = inventory(source, auto, RUNGS);
        List<WidthPlanner.Tensor> tensors = inventory.candidates().stream()
                .map(c -> new WidthPlanner.Tensor(c.weight().name(), c.weight().elements(), c.options())).toList();
        long floor = WidthPlanner.floor(tensors);
        long budget = weightBudget(inventory, auto.size());
        if (floor > budget) {
            long fileFloor = inventory.fixedFileBytes() + floor + NODE_ALLOWANCE * inventory.candidates().size();
            double bitsFloor = 8.0 * (inventory.fixedWeightBytes() + floor) / Math.max(1, inventory.weightElements());
            throw new SizeTargetException(budget, floor, String.format(Locale.ROOT,
                    "cannot fit the model to %s: the smallest it can be made is about %d bytes (%.2f bits per weight): "
                            + "%d tensors at 2 bits in blocks of 128 take %d bytes, and %d bytes stay as they are (graph, "
                            + "%d bytes of weights no 2-bit encoding applies to). Ask for at least that",
                    auto.size().describe(), fileFloor, bitsFloor, tensors.size(), floor,
                    inventory.fixedFileBytes(), inventory.fixedWeightBytes()));
        }
    }

    /**
     * Measures, plans and writes the model to {@code output}.
     *
     * @param measuring the calibration samples damage is measured on (never the evaluation samples)
     * @param decoded   nullable: told the decoded values of each rewritten weight of the final model
     */
    Result fit(OnnxModel source, Path input, Path output, EvaluationSettings measuring, DecodedValuesListener decoded,
               ProgressListener progress) throws IOException {
        Inventory inventory = inventory(source, auto, RUNGS);
        probe(source, output, inventory);
        long weightBudget = weightBudget(inventory);
        long allSmallest = WidthPlanner.floor(inventory.candidates().stream()
                .map(c -> new WidthPlanner.Tensor(c.weight().name(), c.weight().elements(), c.options())).toList());
        Search search = search(source, input, output, inventory, measuring,
                Math.max(allSmallest, weightBudget), progress);
        List<WidthPlanner.Tensor> tensors = search.tensors(Math.max(allSmallest, weightBudget));
        long floor = WidthPlanner.floor(tensors);
        long target = targetBytes(inventory);
        WidthPlanner.Plan plan = search.chosen;
        double predicted = search.chosenPredicted;
        Compression.Outcome outcome = write(source, output, plan, decoded);
        for (int refit = 0; refit < REFITS && over(outcome, inventory); refit++) {
            long excess = Math.max(outcome.compressedBytes() - target, 0)
                    + Math.max(0, outcome.compressedWeightBytes() - bitsBudget(inventory));
            weightBudget = Math.max(floor, plan.bytes() - excess - NODE_ALLOWANCE);
            notes.add("auto (size): the written model took %d bytes, %d over; planned again within %d bytes of weights"
                    .formatted(outcome.compressedBytes(), excess, weightBudget));
            plan = WidthPlanner.plan(tensors, weightBudget);
            predicted = search.damage + plan.damage();
            outcome = write(source, output, plan, decoded);
        }
        if (over(outcome, inventory)) {
            throw new SizeTargetException(target, outcome.compressedBytes(), ("cannot fit the model to %s: the smallest "
                    + "model written takes %d bytes").formatted(auto.size().describe(), outcome.compressedBytes()));
        }
        List<FidelityReport.TensorWidth> widths = new ArrayList<>();
        Map<String, Long> elements = new HashMap<>();
        tensors.forEach(t -> elements.put(t.name(), t.elements()));
        plan.choice().entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, WidthPlanner.Option> e) -> elements.get(e.getKey()))
                        .reversed().thenComparing(Map.Entry::getKey))
                .forEach(e -> widths.add(new FidelityReport.TensorWidth(e.getKey(), e.getValue().bits(),
                        e.getValue().blockSize(), e.getValue().bytes(), search.relative(e.getKey(), e.getValue()))));
        Map<String, Integer> census = new java.util.TreeMap<>();
        plan.choice().values().forEach(o -> census.merge(o.label(), 1, Integer::sum));
        notes.add(String.format(Locale.ROOT, "auto (size): %s -> %d bytes (%.3f bits per weight), %d tensors: %s; predicted "
                        + "damage %.4g (%s)", auto.size().describe(), outcome.compressedBytes(),
                8.0 * outcome.compressedWeightBytes() / Math.max(1, outcome.weightElements()), tensors.size(), census,
                predicted, plan == search.chosen && search.chosenMeasured ? "this whole plan measured on the calibration "
                        + "samples" : "the last measured plan's damage plus the per-tensor changes"));
        FidelityReport.SizeFit fit = new FidelityReport.SizeFit(target, auto.size().bitsPerWeight(),
                outcome.compressedBytes(), metric, predicted, null, widths,
                curve(search, tensors, inventory, floor, Math.max(floor, weightBudget)));
        List<FidelityReport.AutoCandidate> candidates = new ArrayList<>();
        for (Scored scored : search.scored) {
            long bytes = inventory.fixedFileBytes() + scored.plan().bytes() + fileOverhead;
            candidates.add(new FidelityReport.AutoCandidate(scored.label() + " (calibration samples)", bytes,
                    (double) bytes / inventory.fileBytes(), scored.cosine(), metric.equals("kl") ? scored.measured() : null,
                    true, sameWidths(scored.plan().choice(), plan.choice())));
        }
        return new Result(outcome, plan, new MixedWidthPass(plan.choice(), moments, products), fit, notes,
                budget.evaluations(), budget.stoppedEarly(), candidates);
    }

    private String metric = "1-cosine";

    /**
     * One whole plan measured on the calibration samples: what the planner predicted for it and what it measured.
     *
     * @param cosine the worst output's mean cosine
     */
    private record Scored(String label, WidthPlanner.Plan plan, double predicted, double measured, double cosine) {}

    /**
     * The state of the search: the plan last measured as a whole (its decoded values written as a model), and each
     * tensor's damage at its widths relative to its width in that plan, measured around it.
     */
    private final class Search {
        final Map<String, Candidate> byName = new LinkedHashMap<>();
        /** Per tensor: option label to damage relative to the tensor's width in {@link #choice}. */
        final Map<String, Map<String, Double>> frame = new HashMap<>();
        /** {@code name@label} of the widths measured around {@link #choice} itself (not carried from an earlier plan). */
        final java.util.Set<String> fresh = new java.util.HashSet<>();
        final List<Scored> scored = new ArrayList<>();
        private final Map<String, float[]> cache = new HashMap<>();
        private long cachedFloats;
        Map<String, WidthPlanner.Option> choice = new LinkedHashMap<>();
        /** The measured damage of {@link #choice}. */
        double damage;
        int unmeasured;
        WidthPlanner.Plan chosen;
        double chosenPredicted;
        boolean chosenMeasured;

        Search(Inventory inventory) {
            inventory.candidates().forEach(c -> byName.put(c.weight().name(), c));
        }

        /** The decoded values of {@code weight} at {@code option}, in the weight's layout; kept while memory allows. */
        float[] decoded(Weight weight, float[] values, Candidate candidate, WidthPlanner.Option option, int opset) {
            if (option.bits() == 16) {
                return values;
            }
            String key = weight.name() + "@" + option.label();
            float[] known = cache.get(key);
            if (known != null) {
                return known;
            }
            MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
            float[] decoded = MatMulWeights.inWeightLayout(weight, MixedWidthPass.encode(
                    MixedWidthPass.quantizer(weight, candidate.k(), moments, products), weight, matrix, option, opset)
                    .decoded());
            if (cachedFloats + decoded.length <= CACHE_FLOATS) {
                cache.put(key, decoded);
                cachedFloats += decoded.length;
            }
            return decoded;
        }

        /** The damage of {@code option} relative to the tensor's width in the last measured plan; estimated if never measured. */
        double relative(String name, WidthPlanner.Option option) {
            Double known = frame.get(name).get(option.label());
            if (known != null) {
                return known;
            }
            long elements = byName.get(name).weight().elements();
            return estimate(elements, option.bits()) - estimate(elements, choice.get(name).bits());
        }

        /**
         * The planner's view: every tensor with the options measured so far; when those cannot reach {@code budget},
         * the options never measured are added with an estimated damage.
         */
        List<WidthPlanner.Tensor> tensors(long budget) {
            List<WidthPlanner.Tensor> measured = tensors(false);
            return WidthPlanner.floor(measured) <= budget ? measured : tensors(true);
        }

        private List<WidthPlanner.Tensor> tensors(boolean all) {
            List<WidthPlanner.Tensor> tensors = new ArrayList<>();
            for (Candidate candidate : byName.values()) {
                String name = candidate.weight().name();
                List<WidthPlanner.Option> options = new ArrayList<>();
                for (WidthPlanner.Option option : candidate.options()) {
                    if (all || frame.get(name).containsKey(option.label())) {
                        options.add(new WidthPlanner.Option(option.bits(), option.blockSize(), option.bytes(),
                                relative(name, option), option.symmetric()));
                    }
                }
                tensors.add(new WidthPlanner.Tensor(name, candidate.weight().elements(), options));
            }
            return tensors;
        }

        /** Makes {@code next} (measured at {@code measured}) the plan damage is measured around. */
        void moveTo(Map<String, WidthPlanner.Option> next, double measured) {
            for (Map.Entry<String, WidthPlanner.Option> entry : next.entrySet()) {
                String name = entry.getKey();
                if (choice.get(name).label().equals(entry.getValue().label())) {
                    continue;
                }
                double at = relative(name, entry.getValue());
                Map<String, Double> shifted = new HashMap<>();
                frame.get(name).forEach((label, value) -> shifted.put(label, value - at));
                shifted.put(entry.getValue().label(), 0.0);
                frame.put(name, shifted);
            }
            choice = new LinkedHashMap<>(next);
            damage = measured;
            fresh.clear();
        }

        /** Where the search stands: restored by {@link #restore} when a later plan measures worse. */
        Standing standing(Path variant) {
            Map<String, Map<String, Double>> copy = new HashMap<>();
            frame.forEach((name, values) -> copy.put(name, new HashMap<>(values)));
            return new Standing(new LinkedHashMap<>(choice), damage, copy, new java.util.HashSet<>(fresh), variant);
        }

        /**
         * Back to {@code best} after {@code rejected} measured {@code measured}: the neighbours measured around the
         * best stay, and the rejected plan's changed widths carry what the additive prediction missed, so the next
         * plan is made from the best with the rejected plan at its measured damage.
         */
        void restore(Standing best, Map<String, WidthPlanner.Option> rejected, double measured) {
            frame.clear();
            best.frame().forEach((name, values) -> frame.put(name, new HashMap<>(values)));
            choice = new LinkedHashMap<>(best.choice());
            damage = best.damage();
            fresh.clear();
            fresh.addAll(best.fresh());
            penalise(frame, best.choice(), rejected, measured - best.damage());
        }
    }

    /**
     * A measured operating point: its widths, its whole-plan damage, the damage of each tensor's widths relative to it,
     * which of those were measured around it, and its decoded model.
     */
    record Standing(Map<String, WidthPlanner.Option> choice, double damage, Map<String, Map<String, Double>> frame,
                    java.util.Set<String> fresh, Path variant) {}

    /**
     * Spreads the part of a rejected plan's measured change the frame did not predict over the tensors it changed,
     * equally, so that the frame now predicts exactly {@code measuredChange} for that plan; nothing when the frame
     * already predicted at least that.
     *
     * @param frame          per tensor, option label to damage relative to {@code from}; changed in place
     * @param measuredChange the rejected plan's measured damage less {@code from}'s
     */
    static void penalise(Map<String, Map<String, Double>> frame, Map<String, WidthPlanner.Option> from,
                         Map<String, WidthPlanner.Option> rejected, double measuredChange) {
        List<String> changed = new ArrayList<>();
        double predictedChange = 0;
        for (Map.Entry<String, WidthPlanner.Option> entry : rejected.entrySet()) {
            if (!entry.getValue().label().equals(from.get(entry.getKey()).label())) {
                changed.add(entry.getKey());
                predictedChange += frame.get(entry.getKey()).getOrDefault(entry.getValue().label(), 0.0);
            }
        }
        double missed = measuredChange - predictedChange;
        if (changed.isEmpty() || !(missed > 0)) {
            return;
        }
        for (String name : changed) {
            frame.get(name).merge(rejected.get(name).label(), missed / changed.size(), Double::sum);
        }
    }

    /**
     * Plan, measure the whole plan, re-measure around it, plan again. First every plan of {@link #UNIFORMS} that fits
     * the budget is measured whole, and the best of them is the first operating point (when none fits, the last of
     * them, never kept); around each measured plan, every tensor's neighbouring widths (one rung of {@link #RUNGS} down
     * and one up) are swapped in one at a time, and the changes of the damage are what the next plan is made from.
     * From a uniform start the plans first keep every tensor at its start's bits or more (block sizes and wider widths
     * spend what the uniform plan leaves and what longer blocks on the least sensitive tensors free), and mix in
     * narrower widths only once such a plan is no longer better. Because the neighbours are measured around the plan
     * and not the original, the interaction of many narrow tensors is in the numbers the next plan uses. The
     * evaluations bound the rounds (at most {@link #ROUNDS}); the plan kept is the measured one with the least damage
     * that fits, uniform or mixed.
     */
    private Search search(OnnxModel source, Path input, Path output, Inventory inventory, EvaluationSettings measuring,
                          long budgetBytes, ProgressListener progress) throws IOException {
        Search search = new Search(inventory);
        FidelityEvaluator.Reference reference = new FidelityEvaluator.Reference(input, measuring);
        Path scratch = Files.createTempDirectory(source.directory().toAbsolutePath(), ".modelpress-fit-");
        try {
            List<Uniform> uniforms = uniforms(inventory,
                    HeadPrecision.find(source, auto).map(Weight::name).orElse(null));
            Uniform start = null;
            Path variant = null;
            double startDamage = Double.POSITIVE_INFINITY;
            for (int i = 0; i < uniforms.size(); i++) {
                Uniform uniform = uniforms.get(i);
                boolean last = i == uniforms.size() - 1;
                boolean fits = uniform.bytes() <= budgetBytes;
                if (!fits && uniform.bytes() <= budgetBytes + PROBE_SLACK * inventory.candidates().size()) {
                    // within what the probe's overhead may be off by (varint lengths, zero-point names): written to know
                    Compression.Outcome outcome = write(source, output, new WidthPlanner.Plan(uniform.choice(),
                            uniform.bytes(), 0), null);
                    fits = !over(outcome, inventory);
                    notes.add("auto (size): %s written to check its size: %d bytes, %s".formatted(uniform.label(),
                            outcome.compressedBytes(), fits ? "fits" : "over"));
                }
                if (!fits && !(last && start == null)) {
                    continue;
                }
                search.choice = new LinkedHashMap<>(uniform.choice());
                Path written = scratch.resolve("uniform-" + i + ".onnx");
                writeVariant(source, written, search, scratch);
                List<OutputFidelity> outputs = reference.score(written);
                budget.spend(1);
                metric = outputs.stream().anyMatch(o -> o.klDivergence() != null) ? "kl" : "1-cosine";
                double damage = HeadPrecision.damage(outputs);
                if (fits) {
                    search.scored.add(new Scored(uniform.label(), new WidthPlanner.Plan(uniform.choice(), uniform.bytes(),
                            damage), damage, damage, FidelityReport.worstCosineMean(outputs)));
                }
                notes.add(String.format(Locale.ROOT, "auto (size): %s, %d bytes of weights%s: damage (%s) %.4g on %d "
                                + "calibration samples", uniform.label(), uniform.bytes(), fits ? "" : " (over the budget)",
                        metric, damage, MEASURE_WINDOWS));
                if (start == null || damage < startDamage) {
                    if (variant != null) {
                        Files.deleteIfExists(variant);
                    }
                    start = uniform;
                    startDamage = fits ? damage : Double.POSITIVE_INFINITY;
                    search.damage = damage;
                    variant = written;
                } else {
                    Files.deleteIfExists(written);
                }
            }
            search.choice = new LinkedHashMap<>(start.choice());
            for (Map.Entry<String, WidthPlanner.Option> entry : start.choice().entrySet()) {
                Map<String, Double> frame = new HashMap<>();
                frame.put(entry.getValue().label(), 0.0);
                search.frame.put(entry.getKey(), frame);
            }
            Map<String, WidthPlanner.Option> startChoice = start.choice();
            boolean startFits = search.scored.stream().anyMatch(scored -> scored.plan().choice().equals(startChoice));
            if (startFits) {
                // a uniform plan written and found to fit: plans may take as many bytes as it does
                budgetBytes = Math.max(budgetBytes, start.bytes());
            }
            notes.add(String.format(Locale.ROOT, "auto (size): damage measured around %s first (%.4g)", start.label(),
                    search.damage));
            // from a uniform start that fits: plans keep every tensor at its bits or more until that stops helping
            int floorBits = startFits ? start.choice().values().stream().mapToInt(WidthPlanner.Option::bits).min()
                    .orElse(0) : 0;
            WidthPlanner.Plan plan = null;
            double predicted = 0;
            // an unfitting start is never kept: any plan that fits is better than it
            Standing best = search.standing(variant);
            if (!startFits) {
                best = new Standing(best.choice(), Double.POSITIVE_INFINITY, best.frame(), best.fresh(), variant);
            }
            for (int round = 1; ; round++) {
                int before = budget.evaluations();
                measureAround(source, variant, search, scratch, reference, progress);
                if (sameWidths(search.choice, best.choice())) {
                    // the best plan with its neighbours now measured, for a later round to come back to
                    Standing around = search.standing(variant);
                    best = new Standing(around.choice(), best.damage(), around.frame(), around.fresh(), variant);
                }
                List<WidthPlanner.Tensor> tensors = search.tensors(budgetBytes);
                plan = WidthPlanner.plan(atLeast(tensors, floorBits), budgetBytes);
                if (floorBits > 0 && sameWidths(plan.choice(), search.choice)) {
                    floorBits = 0;
                    plan = WidthPlanner.plan(tensors, budgetBytes);
                }
                boolean upgrade = floorBits > 0;
                predicted = search.damage + plan.damage();
                notes.add(String.format(Locale.ROOT, "auto (size): round %d: %d widths measured around the plan, next "
                        + "plan%s predicted at %.4g", round, budget.evaluations() - before,
                        upgrade ? " (no tensor below " + floorBits + " bits)" : "", predicted));
                if (sameWidths(plan.choice(), search.choice) || round > ROUNDS || !budget.allows(2) || budget.exhausted()) {
                    break;
                }
                variant = scratch.resolve("plan-" + round + ".onnx");
                Map<String, WidthPlanner.Option> previous = search.choice;
                search.choice = plan.choice();
                writeVariant(source, variant, search, scratch);
                search.choice = previous;
                List<OutputFidelity> outputs = reference.score(variant);
                double measured = HeadPrecision.damage(outputs);
                budget.spend(1);
                progress.onProgress("auto", Math.min(1, (double) budget.evaluations() / budget.maxEvaluations()));
                search.scored.add(new Scored("round %d plan%s".formatted(round, upgrade ? " (no tensor below "
                        + floorBits + " bits)" : ""), plan, predicted, measured, FidelityReport.worstCosineMean(outputs)));
                notes.add(String.format(Locale.ROOT, "auto (size): round %d: the whole plan measured %.4g against %.4g "
                                + "predicted (the per-tensor changes summed to %.4g, the whole plan changed by %.4g)", round,
                        measured, predicted, predicted - search.damage, measured - search.damage));
                if (measured < best.damage()) {
                    if (!best.variant().equals(variant)) {
                        Files.deleteIfExists(best.variant());
                    }
                    search.moveTo(plan.choice(), measured);
                    best = search.standing(variant);
                } else {
                    Files.deleteIfExists(variant);
                    variant = best.variant();
                    search.restore(best, plan.choice(), measured);
                    // the widths the plan kept to did not help: narrower ones may
                    floorBits = 0;
                    notes.add(String.format(Locale.ROOT, "auto (size): round %d: worse than the best plan so far (%.4g); "
                            + "the next round starts from the best plan, the rejected widths at their measured cost",
                            round, best.damage()));
                }
                if (!budget.allows(4)) {
                    break;
                }
            }
            Scored kept = search.scored.stream().min(Comparator.comparingDouble(Scored::measured)).orElse(null);
            if (kept != null) {
                search.chosen = new WidthPlanner.Plan(kept.plan().choice(), kept.plan().bytes(), kept.measured());
                search.chosenPredicted = kept.measured();
                search.chosenMeasured = true;
                notes.add("auto (size): kept " + kept.label() + String.format(Locale.ROOT,
                        " (damage %.4g on the calibration samples), the least of the %d plans measured whole",
                        kept.measured(), search.scored.size()));
            } else {
                search.chosen = plan;
                search.chosenPredicted = predicted;
            }
        } finally {
            com.modelpress.files.FileTrees.delete(scratch);
        }
        if (search.unmeasured > 0) {
            notes.add(("auto (size): %d neighbouring widths not measured (%s); widths never measured get a damage "
                    + "estimated from their size and width").formatted(search.unmeasured, budget.describe()));
        }
        return search;
    }

    private static boolean sameWidths(Map<String, WidthPlanner.Option> a, Map<String, WidthPlanner.Option> b) {
        for (Map.Entry<String, WidthPlanner.Option> entry : a.entrySet()) {
            if (!entry.getValue().label().equals(b.get(entry.getKey()).label())) {
                return false;
            }
        }
        return a.size() == b.size();
    }

    /** A uniform plan of {@link #UNIFORMS}: one width for every tensor. */
    private record Uniform(String label, Map<String, WidthPlanner.Option> choice, long bytes) {}

    /**
     * The plans of {@link #UNIFORMS}, in that order, int4's layout also with the LM head at 8 and at 16 bits; a width a
     * tensor cannot take falls back to a smaller block.
     *
     * @param head nullable: the LM head's weight name ({@link HeadPrecision#find})
     */
    private static List<Uniform> uniforms(Inventory inventory, String head) {
        List<Uniform> uniforms = new ArrayList<>();
        for (int[] width : UNIFORMS) {
            Map<String, WidthPlanner.Option> choice = new LinkedHashMap<>();
            long bytes = 0;
            for (Candidate candidate : inventory.candidates()) {
                Weight weight = candidate.weight();
                boolean lookedUp = Int8Encodings.isGatherTable(weight) && !MatMulWeights.isTiedTable(weight);
                int block = lookedUp ? width[2] : width[1];
                WidthPlanner.Option option = candidate.options().stream()
                        .filter(o -> o.bits() == width[0] && o.blockSize() != null && o.blockSize() <= block
                                && o.symmetric() == (o.bits() == 8))
                        .max(Comparator.comparingInt(WidthPlanner.Option::blockSize))
                        .orElse(candidate.options().stream().filter(o -> o.bits() == width[0]).findFirst()
                                .orElse(candidate.options().getFirst()));
                choice.put(weight.name(), option);
                bytes += option.bytes();
            }
            String label = width[1] == width[2] ? "uniform %d-bit/%d".formatted(width[0], width[1])
                    : "uniform %d-bit/%d, tables %d-bit/%d".formatted(width[0], width[1], width[0], width[2]);
            uniforms.add(new Uniform(label, choice, bytes));
            if (width[0] == 4 && width[1] == 32 && width[2] == 64 && head != null && choice.containsKey(head)) {
                // as int4 stores it when its measured head precision chose 8 or 16 bits
                for (int bits : new int[]{8, 16}) {
                    Candidate candidate = inventory.candidates().stream()
                            .filter(c -> c.weight().name().equals(head)).findFirst().orElseThrow();
                    java.util.Optional<WidthPlanner.Option> wider = candidate.options().stream()
                            .filter(o -> o.bits() == bits).findFirst();
                    if (wider.isPresent()) {
                        Map<String, WidthPlanner.Option> withHead = new LinkedHashMap<>(choice);
                        withHead.put(head, wider.get());
                        uniforms.add(new Uniform(label + ", head " + wider.get().label(), withHead,
                                bytes - choice.get(head).bytes() + wider.get().bytes()));
                    }
                }
            }
        }
        return uniforms;
    }

    /** {@code tensors} with only their options of at least {@code bits} bits (each keeps at least its widest). */
    private static List<WidthPlanner.Tensor> atLeast(List<WidthPlanner.Tensor> tensors, int bits) {
        List<WidthPlanner.Tensor> kept = new ArrayList<>();
        for (WidthPlanner.Tensor tensor : tensors) {
            List<WidthPlanner.Option> options = tensor.options().stream().filter(o -> o.bits() >= bits).toList();
            kept.add(options.isEmpty() ? tensor : new WidthPlanner.Tensor(tensor.name(), tensor.elements(), options));
        }
        return kept;
    }

    /**
     * Each tensor's neighbouring widths, swapped one at a time into {@code variant} (the last measured plan) through
     * ONNX Runtime's session-level initializer override; evaluations are always kept for the next plan and the
     * caller's final evaluation.
     */
    private void measureAround(OnnxModel source, Path variant, Search search, Path scratch,
                               FidelityEvaluator.Reference reference, ProgressListener progress) throws IOException {
        try (ScratchSpace space = new ScratchSpace(scratch)) {
            new ModelRewriter(source, space).rewrite((weight, scope) -> {
                Candidate candidate = search.byName.get(weight.name());
                if (candidate == null) {
                    return;
                }
                float[] values = null;
                for (WidthPlanner.Option option : neighbours(candidate, search.choice.get(weight.name()))) {
                    if (search.fresh.contains(weight.name() + "@" + option.label())) {
                        continue;
                    }
                    // kept: one evaluation for the next plan, one for the caller's final evaluation
                    if (!budget.allows(3) || budget.exhausted()) {
                        search.unmeasured++;
                        continue;
                    }
                    if (values == null) {
                        values = scope.floats(weight);
                    }
                    float[] decoded = search.decoded(weight, values, candidate, option, scope.opset());
                    List<OutputFidelity> outputs = reference.score(variant, weight.name(), weight.dims(),
                            weight.valueType(), FloatBuffer.wrap(decoded));
                    budget.spend(1);
                    search.frame.get(weight.name()).put(option.label(), HeadPrecision.damage(outputs) - search.damage);
                    search.fresh.add(weight.name() + "@" + option.label());
                    progress.onProgress("auto", Math.min(1, (double) budget.evaluations() / budget.maxEvaluations()));
                }
            });
        }
    }

    /** The options one rung narrower and one rung wider than {@code current}, the narrower first. */
    private static List<WidthPlanner.Option> neighbours(Candidate candidate, WidthPlanner.Option current) {
        List<WidthPlanner.Option> rungs = candidate.options().stream()
                .sorted(Comparator.comparingLong(WidthPlanner.Option::bytes)).toList();
        int at = 0;
        while (at < rungs.size() && !rungs.get(at).label().equals(current.label())) {
            at++;
        }
        List<WidthPlanner.Option> neighbours = new ArrayList<>();
        if (at > 0) {
            neighbours.add(rungs.get(at - 1));
        }
        if (at + 1 < rungs.size()) {
            neighbours.add(rungs.get(at + 1));
        }
        return neighbours;
    }

    /**
     * The original with every candidate's values replaced by their decoded values at the search's current widths, in
     * the same graph (same initializer names, read as before), so that any one of them can be overridden in a session.
     */
    private void writeVariant(OnnxModel source, Path path, Search search, Path scratch) throws IOException {
        try (ScratchSpace space = new ScratchSpace(scratch)) {
            ai.onnx.proto.OnnxMl.ModelProto proto = new ModelRewriter(source, space).rewrite((weight, scope) -> {
                Candidate candidate = search.byName.get(weight.name());
                if (candidate == null || search.choice.get(weight.name()).bits() == 16) {
                    return;
                }
                float[] decoded = search.decoded(weight, scope.floats(weight), candidate, search.choice.get(weight.name()),
                        scope.opset());
                int type = weight.valueType();
                scope.encode(weight, List.of(com.modelpress.engine.graph.Nodes.tensor(weight.name(), type, weight.dims(),
                        scope.store(TensorCodec.toBytes(type, decoded)))), List.of());
            });
            new com.modelpress.engine.graph.ModelWriter().write(proto, source, path);
        }
    }

    /** A stand-in for damage not measured (the time limit ran out): larger for more elements and fewer bits. */
    private static double estimate(long elements, int bits) {
        return elements * Math.pow(4, -bits) * 1e-6;
    }

    private Compression.Outcome write(OnnxModel source, Path output, WidthPlanner.Plan plan, DecodedValuesListener decoded)
            throws IOException {
        MixedWidthPass pass = new MixedWidthPass(plan.choice(), moments, products);
        return new Compression(auto.id(), auto.options(), pass, ProgressListener.NONE).run(source, output, decoded);
    }

    private boolean over(Compression.Outcome outcome, Inventory inventory) {
        return outcome.compressedBytes() > targetBytes(inventory) || outcome.compressedWeightBytes() > bitsBudget(inventory);
    }

    /** The most bytes the file may take: the size asked for, or unbounded for a bits-per-weight target alone. */
    private long targetBytes(Inventory inventory) {
        return auto.size().bytes() == null ? Long.MAX_VALUE : auto.size().bytes().bytesFor(inventory.fileBytes());
    }

    /** The most bytes all weights may take under a bits-per-weight target; unbounded without one. */
    private long bitsBudget(Inventory inventory) {
        Double bits = auto.size().bitsPerWeight();
        return bits == null ? Long.MAX_VALUE : (long) Math.floor(bits * inventory.weightElements() / 8);
    }

    /** Bytes the written graph takes beyond the fixed bytes and the options' own (file; initializers), from a probe. */
    private long fileOverhead;
    private long weightOverhead;

    /**
     * Writes every candidate at its smallest width once, to learn what the rewritten graph adds (nodes, names, shape
     * constants) beyond the options' bytes, so that the budget is neither overdrawn nor left unused.
     */
    private void probe(OnnxModel source, Path output, Inventory inventory) throws IOException {
        Map<String, WidthPlanner.Option> smallest = new LinkedHashMap<>();
        inventory.candidates().forEach(c -> smallest.put(c.weight().name(), c.options().stream()
                .min(Comparator.comparingLong(WidthPlanner.Option::bytes)).orElseThrow()));
        long bytes = smallest.values().stream().mapToLong(WidthPlanner.Option::bytes).sum();
        Compression.Outcome outcome = write(source, output, new WidthPlanner.Plan(smallest, bytes, 0), null);
        // negative when the rewrite writes the graph shorter than the original's (compacted names)
        fileOverhead = outcome.compressedBytes() - inventory.fixedFileBytes() - bytes;
        weightOverhead = Math.max(0, outcome.compressedWeightBytes() - inventory.fixedWeightBytes() - bytes);
        notes.add("auto (size): the rewritten graph adds %d bytes to the file (%d of them initializers) beyond the widths' own"
                .formatted(fileOverhead, weightOverhead));
    }

    /** The bytes the candidates' options may take together, the graph's measured overhead taken off. */
    private long weightBudget(Inventory inventory) {
        long budget = Long.MAX_VALUE;
        if (auto.size().bytes() != null) {
            budget = auto.size().bytes().bytesFor(inventory.fileBytes()) - inventory.fixedFileBytes() - fileOverhead;
        }
        if (auto.size().bitsPerWeight() != null) {
            budget = Math.min(budget, (long) Math.floor(auto.size().bitsPerWeight() * inventory.weightElements() / 8)
                    - inventory.fixedWeightBytes() - weightOverhead);
        }
        return budget;
    }

    /** The bytes the candidates' options may take together, a fixed allowance per tensor for the graph. */
    private static long weightBudget(Inventory inventory, CompressionMethod.Size size) {
        long budget = Long.MAX_VALUE;
        if (size.bytes() != null) {
            budget = size.bytes().bytesFor(inventory.fileBytes()) - inventory.fixedFileBytes()
                    - NODE_ALLOWANCE * inventory.candidates().size();
        }
        if (size.bitsPerWeight() != null) {
            budget = Math.min(budget, (long) Math.floor(size.bitsPerWeight() * inventory.weightElements() / 8)
                    - inventory.fixedWeightBytes());
        }
        return budget;
    }

    /** Predicted size against predicted damage, from the floor to the budget. */
    private List<FidelityReport.CurvePoint> curve(Search search, List<WidthPlanner.Tensor> tensors, Inventory inventory,
                                                  long floor, long budget) {
        List<FidelityReport.CurvePoint> curve = new ArrayList<>();
        for (int point = 0; point <= CURVE_POINTS; point++) {
            long bytes = floor + (budget - floor) * point / CURVE_POINTS;
            WidthPlanner.Plan plan = WidthPlanner.plan(tensors, bytes);
            curve.add(new FidelityReport.CurvePoint(
                    inventory.fixedFileBytes() + plan.bytes() + fileOverhead,
                    8.0 * (inventory.fixedWeightBytes() + plan.bytes()) / Math.max(1, inventory.weightElements()),
                    search.damage + plan.damage(), null));
        }
        return curve;
    }

    /** The candidates with their options (damage 0 until measured) and the bytes that stay as they are. */
    private static Inventory inventory(OnnxModel source, CompressionMethod.Auto auto, List<int[]> tier) {
        List<Candidate> candidates = new ArrayList<>();
        long weightElements = 0;
        long weightBytes = 0;
        long candidateBytes = 0;
        ModelRewriter rewriter = new ModelRewriter(source, null);
        for (Weight weight : rewriter.weights()) {
            weightElements += weight.elements();
            weightBytes += TensorCodec.dataBytes(weight.tensor());
            if (!Compression.eligible(weight, auto.options()) || weight.escapes()) {
                continue;
            }
            boolean table = Int8Encodings.isGatherTable(weight);
            if (!(table || MatMulWeights.isTiedTable(weight) || MatMulWeights.isRightHandSide(weight))) {
                continue;
            }
            int type = weight.valueType();
            if (type != DataType.FLOAT_VALUE && type != DataType.FLOAT16_VALUE) {
                continue;
            }
            int k = MatMulWeights.k(weight);
            int n = Math.toIntExact(weight.elements() / k);
            // float32 weights: float16 scales where they fit, as NBitsEncodings stores them (the range does not
            // depend on the layout, so the values as stored serve)
            float[] values = type == DataType.FLOAT_VALUE ? floats(source, weight) : null;
            // a rung's block, or the largest smaller one that the encoding takes and that is no longer than a column
            Map<String, WidthPlanner.Option> byLabel = new LinkedHashMap<>();
            for (int[] width : tier) {
                for (int block = width[1]; block >= MIN_BLOCK; block /= 2) {
                    if (block <= k && NBitsEncodings.supports(weight, k, block)) {
                        boolean symmetric = width[2] == 1;
                        WidthPlanner.Option option = new WidthPlanner.Option(width[0], block,
                                bytes(k, n, width[0], block, scaleBytes(weight, values, width[0], rewriter.opset()),
                                        symmetric), 0, symmetric);
                        byLabel.putIfAbsent(option.label(), option);
                        break;
                    }
                }
            }
            if (byLabel.isEmpty()) {
                continue;
            }
            List<WidthPlanner.Option> options = new ArrayList<>(byLabel.values());
            options.add(new WidthPlanner.Option(16, null, 2 * weight.elements(), 0));
            candidates.add(new Candidate(weight, k, n, options));
            candidateBytes += weight.storedBytes();
        }
        long fileBytes;
        try {
            fileBytes = source.totalBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Inventory(candidates, fileBytes, fileBytes - candidateBytes, weightElements, weightBytes - candidateBytes);
    }

    /** Bytes of one block scale of {@code weight} at {@code bits}, in the type {@link NBitsEncodings#scaleType} chooses. */
    private static int scaleBytes(Weight weight, float[] values, int bits, int opset) {
        int type = weight.valueType();
        if (values == null) {
            return TensorCodec.elementSize(type);
        }
        return TensorCodec.elementSize(NBitsEncodings.scaleType(type, values, values.length, 1, values.length, bits,
                opset).type());
    }

    private static float[] floats(OnnxModel source, Weight weight) {
        try {
            return source.floats(weight.tensor());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Stored bytes of a {@code [k, n]} matrix at {@code bits} in blocks: codes, scales and (below 8 bits, unless
     * symmetric) zero points.
     */
    static long bytes(int k, int n, int bits, int blockSize, int scaleBytes, boolean symmetric) {
        long blocks = (k + blockSize - 1) / blockSize;
        long codes = (long) n * blocks * blockSize * bits / 8;
        long scales = (long) n * blocks * scaleBytes;
        long zeroPoints = bits == 8 || symmetric ? 0 : (long) n * ((blocks * bits + 7) / 8);
        return codes + scales + zeroPoints;
    }
}
