package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.DecoderFixtures;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

    /**
     * The LM head's measurement compresses the model once with the head kept before the final compression: with
     * statistics dropped group by group, the final compression must get them again, or its weights would silently
     * lose GPTQ. A tied table is calibrated on the head's input, in the group of the head.
     */
    @ParameterizedTest
    @EnumSource(value = DecoderFixtures.Head.class, names = {"TIED", "UNTIED"})
    void aFloat16DecoderWithItsHeadMeasuredGetsTheTensorsOfOneGroup(DecoderFixtures.Head head) throws IOException {
        Path input = OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL, DecoderFixtures.Weights.FLOAT16,
                head, 31), dir.resolve("decoder.onnx"));
        CalibrationSettings calibration = new CalibrationSettings(16, 3, null);
        FidelityReport atOnce = new ModelCompressor(EVALUATION, calibration.withMemory(1L << 30))
                .compress(input, dir.resolve("one.onnx"), GPTQ, ProgressListener.NONE);
        // 8 · 64² bytes: one hidden-sized input per group
        FidelityReport grouped = new ModelCompressor(EVALUATION, calibration.withMemory(8L * 64 * 64))
                .compress(input, dir.resolve("grouped.onnx"), GPTQ, ProgressListener.NONE);

        String headWeight = head == DecoderFixtures.Head.TIED ? DecoderFixtures.EMBEDDING : DecoderFixtures.HEAD;
        assertThat(atOnce.notes()).anySatisfy(note -> assertThat(note).contains("in 1 group within")
                .doesNotContain("computed 2 times"));
        // per layer the q/k/v, attention output, MLP and down inputs, then the head's: 9 groups, computed for the
        // head-kept compression and again for the final one
        assertThat(grouped.notes()).anySatisfy(note -> assertThat(note).contains("XᵀX of 9 MatMul inputs")
                .contains("in 9 groups").contains("computed 2 times"));
        for (FidelityReport report : List.of(atOnce, grouped)) {
            assertThat(report.notes()).anySatisfy(note -> assertThat(note).startsWith("head " + headWeight + ": KL"));
        }
        Map<String, FidelityReport.TensorReport> one = byName(atOnce);
        Map<String, FidelityReport.TensorReport> many = byName(grouped);
        List<String> gptq = one.values().stream().filter(t -> t.encoding() != null && t.encoding().endsWith("GPTQ"))
                .map(FidelityReport.TensorReport::name).toList();
        // 7 matrices per layer, and the head when it stays int4 (a tied table is calibrated too)
        assertThat(gptq).hasSizeGreaterThanOrEqualTo(14);
        if (one.get(headWeight).method().equals("int4")) {
            assertThat(gptq).contains(headWeight);
        }
        for (String name : gptq) {
            assertThat(many.get(name).encoding()).as(name).endsWith("GPTQ");
            assertThat(many.get(name).sqnrDb()).as(name).isCloseTo(one.get(name).sqnrDb(), within(0.05));
        }
        assertThat(many.get(headWeight).method()).isEqualTo(one.get(headWeight).method());
        double kl = atOnce.outputs().getFirst().klDivergence();
        assertThat(grouped.outputs().getFirst().klDivergence()).isCloseTo(kl, within(0.1 * kl));
    }

    private static Map<String, FidelityReport.TensorReport> byName(FidelityReport report) {
        return report.tensors().stream().collect(Collectors.toMap(FidelityReport.TensorReport::name, Function.identity()));
    }
}
