package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * GPTQ calibrated group by group within a small memory budget gives the model calibrated all at once: the same
 * statistics reach the same weights, only fewer of them are held at a time.
 */
class GroupedCalibrationTest {

    private static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());
    private static final CompressionMethod GPTQ = CompressionMethod.of("int4",
            new CompressionOptions(32, false, List.of(), 1024L, "gptq"));

    @TempDir
    Path dir;

    @Test
    void aBudgetOfOneInputPerGroupGivesTheModelOfOneGroup() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.bertLikeEncoder(100, 32, 2, 5), dir.resolve("bert.onnx"));
        CalibrationSettings calibration = new CalibrationSettings(24, 3, null);
        FidelityReport atOnce = new ModelCompressor(EVALUATION, calibration.withMemory(1L << 30))
                .compress(input, dir.resolve("one.onnx"), GPTQ, ProgressListener.NONE);
        List<String> steps = new ArrayList<>();
        List<Double> calibrating = new ArrayList<>();
        // 8 · 32² bytes: one hidden-sized input per group (the 128-wide one alone exceeds it and gets a group of its own)
        FidelityReport grouped = new ModelCompressor(EVALUATION, calibration.withMemory(8L * 32 * 32))
                .compress(input, dir.resolve("grouped.onnx"), GPTQ, (step, fraction) -> {
                    steps.add(step);
                    if (step.equals("calibrate")) {
                        calibrating.add(fraction);
                    }
                });

        assertThat(atOnce.notes()).anySatisfy(note -> assertThat(note).contains("in 1 group within a 1024 MB budget"));
        // per layer: the q/k/v input, the attention output's input, the MLP's input and the 128-wide down input
        assertThat(grouped.notes()).anySatisfy(note -> assertThat(note).contains("XᵀX of 8 MatMul inputs")
                .contains("in 8 groups"));
        assertThat(calibrating).isSorted().last().isEqualTo(1.0);
        // calibration interleaves with compression: a group is computed when its first weight is reached
        assertThat(steps.indexOf("compress")).isLessThan(steps.lastIndexOf("calibrate"));
        assertThat(grouped.timings()).extracting(FidelityReport.StepTiming::step).contains("calibrate", "compress+write");

        Map<String, FidelityReport.TensorReport> one = byName(atOnce);
        Map<String, FidelityReport.TensorReport> many = byName(grouped);
        List<String> gptq = one.values().stream().filter(t -> t.encoding() != null && t.encoding().endsWith("GPTQ"))
                .map(FidelityReport.TensorReport::name).toList();
        assertThat(gptq).hasSize(12);
        for (String name : gptq) {
            assertThat(many.get(name).encoding()).endsWith("GPTQ");
            assertThat(many.get(name).sqnrDb()).as(name).isCloseTo(one.get(name).sqnrDb(), within(0.05));
        }
        assertThat(grouped.outputs().getFirst().cosineMean())
                .isCloseTo(atOnce.outputs().getFirst().cosineMean(), within(1e-3));
    }

    private static Map<String, FidelityReport.TensorReport> byName(FidelityReport report) {
        return report.tensors().stream().collect(Collectors.toMap(FidelityReport.TensorReport::name, Function.identity()));
    }
}
