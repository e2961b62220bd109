package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.engine.evaluation.ActivationStatistics;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.graph.ModelRewriter;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.MatMulWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * GPTQ's calibration statistics in groups that fit a memory budget: the activation inputs of the MatMul/Gemm
 * weights to compress are cut, in the order the compression visits the weights (graph order), into groups whose
 * {@code XᵀX} sums ({@code 8·K²} bytes each) fit {@link CalibrationSettings#memoryBudget()}. A group is computed
 * when the first of its weights asks for its statistics and dropped when the compression moves on to the next group
 * (statistics a later group's weights still read stay until then). Each group runs only the layers after the
 * previous one ({@link ActivationStatistics.Groups}), so the model runs about once in all.
 *
 * <p>Asked again for statistics already dropped — a second compression of the model, as when an LM head's precision
 * is measured ({@link HeadPrecision}) — it starts over from the first group, so every compression gets its weights'
 * statistics (at the cost of computing them again); with one group nothing is ever dropped.
 *
 * <p>Not thread-safe; one instance per compression. Close it to delete the calibration's scratch files.
 */
final class GroupedCalibration implements Function<String, double[]>, AutoCloseable {

    private final OnnxModel source;
    private final CalibrationSettings settings;
    private final ProgressListener progress;
    private final List<List<String>> groups;
    private final Map<String, Integer> groupOf;
    private final Map<String, Integer> lastGroup;
    private final Map<String, double[]> moments = new HashMap<>();
    private final Map<String, ActivationStatistics.SecondMoment> seen = new LinkedHashMap<>();
    /** Observed inputs whose statistics are not kept: fewer calibration rows than features. */
    private final Set<String> tooFewRows = new HashSet<>();
    /** Statistics dropped since the last start: asking for one again starts over. */
    private final Set<String> dropped = new HashSet<>();
    private final long largestGroupBytes;
    private ActivationStatistics.Groups statistics;
    private int computed = -1;
    private int rounds;
    private boolean keepAll;
    private long nanos;

    private GroupedCalibration(OnnxModel source, CalibrationSettings settings, ProgressListener progress,
                               List<List<String>> groups, Map<String, Integer> groupOf, Map<String, Integer> lastGroup,
                               long largestGroupBytes) {
        this.source = source;
        this.settings = settings;
        this.progress = progress;
        this.groups = groups;
        this.groupOf = groupOf;
        this.lastGroup = lastGroup;
        this.largestGroupBytes = largestGroupBytes;
    }

    /**
     * Plans the groups for the weights {@code options} lets a pass see, in {@code weights} order (the order
     * {@link ModelRewriter#inGraphOrder()} visits them).
     */
    static GroupedCalibration plan(OnnxModel source, CompressionOptions options, CalibrationSettings settings,
                                   ProgressListener progress) {
        long budget = settings.memoryBudget();
        List<List<String>> groups = new ArrayList<>();
        Map<String, Integer> groupOf = new HashMap<>();
        Map<String, Integer> lastGroup = new HashMap<>();
        List<String> current = new ArrayList<>();
        long currentBytes = 0;
        long largest = 0;
        // only main-graph values can be observed; weights inside subgraphs are compressed without calibration
        Set<String> observable = new HashSet<>();
        source.proto().getGraph().getInputList().forEach(input -> observable.add(input.getName()));
        source.proto().getGraph().getNodeList().forEach(node -> observable.addAll(node.getOutputList()));
        for (Weight weight : new ModelRewriter(source, null).inGraphOrder().weights()) {
            // a table tied to an LM head is calibrated on the head's input; its row lookups have no activation
            List<Weight.Use> products = weight.uses().stream().filter(use -> !MatMulWeights.isTableGather(use)).toList();
            if (!(MatMulWeights.isRightHandSide(weight) || MatMulWeights.isTiedTable(weight))
                    || !Compression.eligible(weight, options)
                    || !products.stream().allMatch(use -> observable.contains(use.node().getInput(0)))) {
                continue;
            }
            long k = MatMulWeights.k(weight);
            Set<String> fresh = new LinkedHashSet<>();
            for (Weight.Use use : products) {
                String activation = use.node().getInput(0);
                if (!groupOf.containsKey(activation)) {
                    fresh.add(activation);
                }
            }
            long bytes = 8 * k * k * fresh.size();
            if (!current.isEmpty() && currentBytes + bytes > budget) {
                groups.add(current);
                largest = Math.max(largest, currentBytes);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            for (String activation : fresh) {
                groupOf.put(activation, groups.size());
                current.add(activation);
            }
            currentBytes += bytes;
            for (Weight.Use use : products) {
                lastGroup.put(use.node().getInput(0), groups.size());
            }
        }
        if (!current.isEmpty()) {
            groups.add(current);
            largest = Math.max(largest, currentBytes);
        }
        return new GroupedCalibration(source, settings, progress, groups, groupOf, lastGroup, largest);
    }

    /** All groups at once, as one map (for {@code auto}, which compresses the model many times over). */
    Map<String, double[]> all() {
        keepAll = true;
        if (!groups.isEmpty()) {
            apply(groups.getLast().getFirst());
        }
        return new HashMap<>(moments);
    }

    /**
     * @return the {@code XᵀX} of {@code activation}, or null when it is not observed, ONNX Runtime does not produce it,
     *         or it saw fewer calibration rows than it has features (its {@code XᵀX} is singular: compensation would
     *         overfit the calibration samples)
     */
    @Override
    public double[] apply(String activation) {
        Integer group = groupOf.get(activation);
        if (group == null) {
            return null;
        }
        try {
            if (dropped.contains(activation)) {
                restart();
            }
            while (computed < group) {
                advance();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return moments.get(activation);
    }

    private void advance() throws IOException {
        long started = System.nanoTime();
        try {
            step();
        } finally {
            nanos += System.nanoTime() - started;
        }
    }

    /** Back to before the first group: the statistics are computed again, group by group, as they are asked for. */
    private void restart() throws IOException {
        moments.clear();
        dropped.clear();
        computed = -1;
        if (statistics != null) {
            try {
                statistics.close();
            } finally {
                statistics = null;
            }
        }
    }

    /** Time spent computing statistics so far, in nanoseconds. */
    long nanos() {
        return nanos;
    }

    private void step() throws IOException {
        if (statistics == null) {
            statistics = ActivationStatistics.Groups.open(source, groups, settings, progress);
            rounds++;
        }
        int next = computed + 1;
        if (!keepAll) {
            for (String name : moments.keySet()) {
                if (lastGroup.getOrDefault(name, -1) < next) {
                    dropped.add(name);
                }
            }
            moments.keySet().removeAll(dropped);
        }
        Map<String, ActivationStatistics.SecondMoment> group = statistics.next();
        computed = next;
        group.forEach((name, moment) -> {
            seen.put(name, new ActivationStatistics.SecondMoment(moment.features(), null, moment.rows(), moment.min(),
                    moment.max()));
            if (moment.rows() >= moment.features()) {
                moments.put(name, moment.xtx());
            } else {
                tooFewRows.add(name);
            }
        });
    }

    /** Number of groups planned. */
    int groupCount() {
        return groups.size();
    }

    /** Remarks for the report, once the statistics were used. */
    List<String> notes() {
        List<String> notes = new ArrayList<>();
        if (seen.isEmpty()) {
            return notes;
        }
        long rows = seen.values().stream().mapToLong(ActivationStatistics.SecondMoment::rows).max().orElse(0);
        notes.add(settings.text() != null
                ? "calibrated on the text %s (sha256 %s…, %d activation rows)".formatted(settings.text().file(),
                        settings.text().sha256().substring(0, 12), rows)
                : settings.dir() == null
                ? "calibrated on %d synthesised samples (seed %d, %d activation rows), none of them used for evaluation"
                        .formatted(settings.samples(), settings.seed(), rows)
                : "calibrated on the samples in %s (%d activation rows)".formatted(settings.dir(), rows));
        notes.add(String.format(Locale.ROOT,
                "calibration: XᵀX of %d MatMul inputs computed by ONNX Runtime (%s) in %d group%s within a %d MB budget"
                        + " (largest group %d MB)%s", seen.size(), settings.executionProvider().name(), groups.size(),
                groups.size() == 1 ? "" : "s", settings.memoryBudget() >> 20, largestGroupBytes >> 20,
                rounds > 1 ? ", computed %d times (the model was compressed more than once)".formatted(rounds) : ""));
        if (!tooFewRows.isEmpty()) {
            notes.add("%d MatMul inputs saw fewer calibration rows than features; their weights use plain rounding"
                    .formatted(tooFewRows.size()));
        }
        seen.entrySet().stream()
                .max(java.util.Comparator.comparingDouble(e -> Math.max(-e.getValue().min(), e.getValue().max())))
                .ifPresent(widest -> notes.add(String.format(Locale.ROOT,
                        "widest calibration activation range: %s in [%.3g, %.3g]", widest.getKey(),
                        widest.getValue().min(), widest.getValue().max())));
        return notes;
    }

    @Override
    public void close() throws IOException {
        moments.clear();
        if (statistics != null) {
            statistics.close();
        }
    }
}
