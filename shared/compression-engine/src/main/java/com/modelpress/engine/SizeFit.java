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
 *       {@code GatherBlockQuantized} encodings serve gets the options of the widest tier the evaluation budget affords
 *       ({@link #TIERS}: 2 and 4 bits in blocks of 32, 64 and 128, 8 bits in blocks of 128, and 16 bits), each with its
 *       exact stored bytes. Anything else stays as stored and counts as fixed bytes.</li>
 *   <li><b>Refusal.</b> When even every tensor at its smallest option does not fit, the request is refused before any
 *       calibration or measurement ({@link #check}).</li>
 *   <li><b>Measured damage.</b> Around an operating point, since errors of many tensors compound: the original with
 *       every tensor's weights replaced by their decoded 4-bit/32 values (GPTQ with its calibration activations) is
 *       written once; for each tensor and option, that tensor's decoded values are swapped into it through ONNX
 *       Runtime's session-level initializer override and scored on {@value #MEASURE_WINDOWS} calibration windows (or
 *       samples): KL of the logits for a model with a distribution output, else 1 − the worst output's mean cosine.
 *       A tensor's damage at a width is the change against the operating point. No model file is written per
 *       measurement.</li>
 *   <li><b>Choice.</b> {@link WidthPlanner}: the sum of damages is minimised under the byte budget.</li>
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
    static final int MEASURE_WINDOWS = 4;
    /** Graph bytes allowed per rewritten tensor (node and initializer protos, names) before the written size is known. */
    static final long NODE_ALLOWANCE = 512;
    /** How many times the plan is remade when the written model came out above the size. */
    static final int REFITS = 4;
    /** Points on the size-against-damage curve between the 2-bit floor and the target. */
    static final int CURVE_POINTS = 8;

    /** Option sets from the widest to the narrowest; the widest that the evaluation budget affords is used. */
    static final List<List<int[]>> TIERS = List.of(
            List.of(new int[]{2, 32}, new int[]{2, 64}, new int[]{2, 128}, new int[]{4, 32}, new int[]{4, 64},
                    new int[]{4, 128}, new int[]{8, 128}),
            List.of(new int[]{2, 32}, new int[]{2, 128}, new int[]{4, 32}, new int[]{4, 128}, new int[]{8, 128}),
            List.of(new int[]{2, 64}, new int[]{4, 64}, new int[]{8, 128}));

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
     */
    record Result(Compression.Outcome outcome, WidthPlanner.Plan plan, MixedWidthPass pass, FidelityReport.SizeFit fit,
                  List<String> notes, int evaluations, String stoppedEarly) {}

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
        Inventory inventory = inventory(source, auto, TIERS.getFirst());
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
        List<int[]> tier = tier(source);
        Inventory inventory = inventory(source, auto, tier);
        List<WidthPlanner.Tensor> tensors = measure(source, input, inventory, measuring, progress);
        long weightBudget = weightBudget(inventory, auto.size());
        long floor = WidthPlanner.floor(tensors);
        long target = targetBytes(inventory);
        WidthPlanner.Plan plan = WidthPlanner.plan(tensors, Math.max(floor, weightBudget));
        // predictions are the base's damage plus the planned changes
        Compression.Outcome outcome = write(source, output, plan, decoded);
        for (int refit = 0; refit < REFITS && over(outcome, inventory); refit++) {
            long excess = Math.max(outcome.compressedBytes() - target, 0)
                    + Math.max(0, outcome.compressedWeightBytes() - bitsBudget(inventory));
            weightBudget = Math.max(floor, plan.bytes() - excess - NODE_ALLOWANCE);
            notes.add("auto (size): the written model took %d bytes, %d over; planned again within %d bytes of weights"
                    .formatted(outcome.compressedBytes(), excess, weightBudget));
            plan = WidthPlanner.plan(tensors, weightBudget);
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
                        e.getValue().blockSize(), e.getValue().bytes(), e.getValue().damage())));
        Map<String, Integer> census = new java.util.TreeMap<>();
        plan.choice().values().forEach(o -> census.merge(o.label(), 1, Integer::sum));
        notes.add(String.format(Locale.ROOT, "auto (size): %s -> %d bytes (%.3f bits per weight), %d tensors: %s; predicted "
                        + "damage %.4g (the base's plus the per-tensor changes)", auto.size().describe(),
                outcome.compressedBytes(), 8.0 * outcome.compressedWeightBytes() / Math.max(1, outcome.weightElements()),
                tensors.size(), census, baseDamage + plan.damage()));
        FidelityReport.SizeFit fit = new FidelityReport.SizeFit(target, auto.size().bitsPerWeight(),
                outcome.compressedBytes(), metric, baseDamage + plan.damage(), null, widths,
                curve(tensors, inventory, floor, Math.max(floor, weightBudget)));
        return new Result(outcome, plan, new MixedWidthPass(plan.choice(), moments, products), fit, notes,
                budget.evaluations(), budget.stoppedEarly());
    }

    private String metric = "1-cosine";

    /** The widest tier whose measurements, plus the final evaluation, fit in the evaluation budget. */
    private List<int[]> tier(OnnxModel source) {
        for (List<int[]> tier : TIERS) {
            int measurements = inventory(source, auto, tier).candidates().stream().mapToInt(c -> c.options().size() - 1).sum();
            if (budget.allows(measurements + 1)) {
                if (tier != TIERS.getFirst()) {
                    notes.add("auto (size): %d evaluations afford only %d widths per tensor".formatted(auto.maxEvaluations(),
                            tier.size()));
                }
                return tier;
            }
        }
        List<int[]> narrowest = TIERS.getLast();
        notes.add(("auto (size): %d evaluations do not afford measuring every tensor at %d widths; the tensors not "
                + "measured get a damage estimated from their size").formatted(auto.maxEvaluations(), narrowest.size()));
        return narrowest;
    }

    /**
     * Each candidate's options with their measured damage. Damage is measured around an operating point rather than
     * against the original alone, because quantization errors of many tensors compound: the base is the original
     * with every candidate's weights replaced by their decoded {@link #BASE} values (written once, same graph), and a
     * tensor's damage at a width is the change of the base's damage when only that tensor takes the width (its
     * decoded values swapped in through the initializer override); at the base width it is 0, and 16 bits is
     * typically negative. The planner's prediction is the base's damage plus the sum of the changes.
     */
    private List<WidthPlanner.Tensor> measure(OnnxModel source, Path input, Inventory inventory, EvaluationSettings measuring,
                                              ProgressListener progress) throws IOException {
        Map<String, Candidate> byName = new LinkedHashMap<>();
        inventory.candidates().forEach(c -> byName.put(c.weight().name(), c));
        Map<String, List<WidthPlanner.Option>> measured = new HashMap<>();
        int total = inventory.candidates().stream().mapToInt(c -> c.options().size() - 1).sum();
        FidelityEvaluator.Reference reference = new FidelityEvaluator.Reference(input, measuring);
        int[] unmeasured = new int[1];
        Path scratch = Files.createTempDirectory(source.directory().toAbsolutePath(), ".modelpress-fit-");
        try {
            Path base = scratch.resolve("base.onnx");
            writeBase(source, base, byName, scratch);
            List<OutputFidelity> baseOutputs = reference.score(base);
            budget.spend(1);
            double baseDamage = HeadPrecision.damage(baseOutputs);
            metric = baseOutputs.stream().anyMatch(o -> o.klDivergence() != null) ? "kl" : "1-cosine";
            this.baseDamage = baseDamage;
            try (ScratchSpace space = new ScratchSpace(scratch)) {
                new ModelRewriter(source, space).rewrite((weight, scope) -> {
                    Candidate candidate = byName.get(weight.name());
                    if (candidate == null) {
                        return;
                    }
                    float[] values = scope.floats(weight);
                    MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
                    WidthQuantizer quantizer = MixedWidthPass.quantizer(weight, candidate.k(), moments, products);
                    List<WidthPlanner.Option> options = new ArrayList<>();
                    for (WidthPlanner.Option option : candidate.options()) {
                        if (isBase(option)) {
                            options.add(option);
                            continue;
                        }
                        if (!budget.allows(2) || budget.exhausted()) {
                            unmeasured[0]++;
                            options.add(new WidthPlanner.Option(option.bits(), option.blockSize(), option.bytes(),
                                    estimate(weight.elements(), option.bits())));
                            continue;
                        }
                        float[] decoded = option.bits() == 16 ? values : MatMulWeights.inWeightLayout(weight,
                                MixedWidthPass.encode(quantizer, weight, matrix, option).decoded());
                        List<OutputFidelity> outputs = reference.score(base, weight.name(), weight.dims(),
                                weight.valueType(), FloatBuffer.wrap(decoded));
                        budget.spend(1);
                        options.add(new WidthPlanner.Option(option.bits(), option.blockSize(), option.bytes(),
                                HeadPrecision.damage(outputs) - baseDamage));
                        progress.onProgress("auto", Math.min(1, (double) budget.evaluations() / Math.max(1, total)));
                    }
                    measured.put(weight.name(), options);
                });
            }
        } finally {
            com.modelpress.files.FileTrees.delete(scratch);
        }
        if (unmeasured[0] > 0) {
            notes.add(("auto (size): %d of %d widths not measured (%s); their damage is estimated from their size and "
                    + "width").formatted(unmeasured[0], total, budget.describe()));
        }
        notes.add(String.format(Locale.ROOT, "auto (size): damage (%s) measured around every tensor at %d-bit/%d (damage "
                        + "%.4g there), each tensor at each width swapped into that model through the initializer override, "
                        + "on %d calibration samples: %d evaluations", metric, BASE[0], BASE[1], baseDamage,
                MEASURE_WINDOWS, budget.evaluations()));
        List<WidthPlanner.Tensor> tensors = new ArrayList<>();
        for (Candidate candidate : inventory.candidates()) {
            tensors.add(new WidthPlanner.Tensor(candidate.weight().name(), candidate.weight().elements(),
                    measured.getOrDefault(candidate.weight().name(), candidate.options())));
        }
        return tensors;
    }

    /** The width of the operating point damage is measured around: 4 bits in blocks of 32. */
    static final int[] BASE = {4, 32};

    private double baseDamage;

    private static boolean isBase(WidthPlanner.Option option) {
        return option.bits() == BASE[0] && option.blockSize() != null && option.blockSize() == BASE[1];
    }

    /**
     * The original with every candidate's values replaced by their decoded base-width values, in the same graph (same
     * initializer names, read as before), so that any one of them can be overridden in a session.
     */
    private void writeBase(OnnxModel source, Path base, Map<String, Candidate> candidates, Path scratch) throws IOException {
        try (ScratchSpace space = new ScratchSpace(scratch)) {
            ai.onnx.proto.OnnxMl.ModelProto proto = new ModelRewriter(source, space).rewrite((weight, scope) -> {
                Candidate candidate = candidates.get(weight.name());
                if (candidate == null) {
                    return;
                }
                boolean has = candidate.options().stream().anyMatch(SizeFit::isBase);
                if (!has) {
                    return;
                }
                MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, scope.floats(weight));
                float[] decoded = MatMulWeights.inWeightLayout(weight, MixedWidthPass.encode(
                        MixedWidthPass.quantizer(weight, candidate.k(), moments, products), weight, matrix,
                        new WidthPlanner.Option(BASE[0], BASE[1], 0, 0)).decoded());
                int type = weight.valueType();
                scope.encode(weight, List.of(com.modelpress.engine.graph.Nodes.tensor(weight.name(), type, weight.dims(),
                        scope.store(TensorCodec.toBytes(type, decoded)))), List.of());
            });
            new com.modelpress.engine.graph.ModelWriter().write(proto, source, base);
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

    /** The bytes the candidates' options may take together. */
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
    private List<FidelityReport.CurvePoint> curve(List<WidthPlanner.Tensor> tensors, Inventory inventory, long floor,
                                                  long budget) {
        List<FidelityReport.CurvePoint> curve = new ArrayList<>();
        for (int point = 0; point <= CURVE_POINTS; point++) {
            long bytes = floor + (budget - floor) * point / CURVE_POINTS;
            WidthPlanner.Plan plan = WidthPlanner.plan(tensors, bytes);
            curve.add(new FidelityReport.CurvePoint(
                    inventory.fixedFileBytes() + plan.bytes() + NODE_ALLOWANCE * tensors.size(),
                    8.0 * (inventory.fixedWeightBytes() + plan.bytes()) / Math.max(1, inventory.weightElements()),
                    baseDamage + plan.damage(), null));
        }
        return curve;
    }

    /** The candidates with their options (damage 0 until measured) and the bytes that stay as they are. */
    private static Inventory inventory(OnnxModel source, CompressionMethod.Auto auto, List<int[]> tier) {
        List<Candidate> candidates = new ArrayList<>();
        long weightElements = 0;
        long weightBytes = 0;
        long candidateBytes = 0;
        for (Weight weight : new ModelRewriter(source, null).weights()) {
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
            int scaleBytes = TensorCodec.elementSize(type);
            List<WidthPlanner.Option> options = new ArrayList<>();
            for (int[] width : tier) {
                if (NBitsEncodings.supports(weight, k, width[1])) {
                    options.add(new WidthPlanner.Option(width[0], width[1], bytes(k, n, width[0], width[1], scaleBytes), 0));
                }
            }
            if (options.isEmpty()) {
                continue;
            }
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

    /** Stored bytes of a {@code [k, n]} matrix at {@code bits} in blocks: codes, scales and (below 8 bits) zero points. */
    static long bytes(int k, int n, int bits, int blockSize, int scaleBytes) {
        long blocks = (k + blockSize - 1) / blockSize;
        long codes = (long) n * blocks * blockSize * bits / 8;
        long scales = (long) n * blocks * scaleBytes;
        long zeroPoints = bits == 8 ? 0 : (long) n * ((blocks * bits + 7) / 8);
        return codes + scales + zeroPoints;
    }
}
