package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.NodeProto;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.engine.evaluation.ActivationStatistics;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.graph.ModelRewriter;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int8.Int8Pass;
import com.modelpress.engine.quant.PatchMoments;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The im2col patch statistics {@code int8} rounds Conv kernels with ({@link Int8Pass}): one calibration run over the
 * main graph's 2-D convolutions (and one-tap-per-pixel transposed ones) whose kernels will be compressed, in graph order, as many as fit the calibration
 * memory budget ({@code 8·groups·K²} bytes each, {@code K} = input channels per group × kernel taps).
 *
 * @param moments statistics by convolution output
 * @param notes   remarks for the report
 */
record ConvCalibration(Map<String, PatchMoments> moments, List<String> notes) {

    static ConvCalibration none() {
        return new ConvCalibration(Map.of(), List.of());
    }

    static ConvCalibration collect(OnnxModel source, CompressionOptions options, CalibrationSettings settings,
                                   ProgressListener progress) throws IOException {
        Set<String> mainOutputs = new HashSet<>();
        for (NodeProto node : source.proto().getGraph().getNodeList()) {
            mainOutputs.addAll(node.getOutputList());
        }
        Map<String, String> names = new java.util.LinkedHashMap<>(); // statistics name → convolution output
        long bytes = 0;
        int over = 0;
        for (Weight weight : new ModelRewriter(source, null).inGraphOrder().weights()) {
            if (!Int8Pass.calibrates(weight) || !Compression.eligible(weight, options)
                    || !mainOutputs.contains(weight.uses().getFirst().node().getOutput(0))) {
                continue;
            }
            long need = Int8Pass.statisticsBytes(weight);
            if (bytes + need > settings.memoryBudget()) {
                over++;
                continue;
            }
            bytes += need;
            String conv = Int8Pass.convOutput(weight);
            names.put(ActivationStatistics.convPatches(conv), conv);
        }
        if (names.isEmpty()) {
            return none();
        }
        Map<String, ActivationStatistics.SecondMoment> statistics = ActivationStatistics.collect(source, names.keySet(),
                settings, progress);
        Map<String, PatchMoments> moments = new java.util.HashMap<>();
        statistics.forEach((name, m) -> moments.put(names.get(name),
                new PatchMoments(m.groups(), m.features(), m.xtx(), m.sums(), m.rows())));
        List<String> notes = new ArrayList<>();
        long rows = moments.values().stream().mapToLong(PatchMoments::rows).max().orElse(0);
        notes.add(settings.dir() == null
                ? "calibrated on %d synthesised samples (seed %d), none of them used for evaluation"
                        .formatted(settings.samples(), settings.seed())
                : "calibrated on the samples in %s".formatted(settings.dir()));
        notes.add(String.format(Locale.ROOT,
                "calibration: im2col patch statistics of %d Conv/ConvTranspose kernels computed by ONNX Runtime (%s), up to %d patch"
                        + " rows each, %d MB%s", moments.size(), settings.executionProvider().name(), rows, bytes >> 20,
                over == 0 ? "" : "; %d more did not fit the %d MB budget and use plain rounding"
                        .formatted(over, settings.memoryBudget() >> 20)));
        return new ConvCalibration(moments, notes);
    }
}
