package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.StepTiming;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.evaluation.EvaluationResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportStepTest {

    static final CompressionMethod INT8 = CompressionMethod.of("int8", CompressionOptions.defaults());

    /** 1000 weight elements stored in 1000 bytes, in a file of 4500 bytes down from 4400 + 4000 − 1000. */
    static final Compression.Outcome OUTCOME = new Compression.Outcome(
            List.of(new TensorReport("w", "int8", "DequantizeLinear(axis=1)", 8, null, 1000, 4000, 1000, 40.0, null)),
            false, 4400, 1500, 1000, 4000, 1000, List.of("writer's note"));

    static final EvaluationResult RESULT = new EvaluationResult(
            List.of(new OutputFidelity("y", 0.9995, 0.999, 0.03, 0.01, 30.0, 0.99, 0.003, 8)), null, Map.of("threads", "1"),
            new FidelityReport.EvaluationInfo("synthetic", 8, List.of(), null), List.of("evaluation's note"),
            new FidelityReport.ModelInfo("other", null, null, null, null, null, null, false, null, List.of()), null);

    @Test
    void sizesAndBitsPerWeightComeFromTheWrittenModel() {
        FidelityReport report = report(INT8, List.of());

        assertThat(report.sizes()).isEqualTo(new FidelityReport.Sizes(4400, 1500, 1500.0 / 4400, 4000, 1000));
        assertThat(report.bitsPerWeight()).isEqualTo(8.0);
        assertThat(report.nothingToCompress()).isFalse();
        assertThat(report.tensors()).isEqualTo(OUTCOME.tensors());
        assertThat(report.inputSha256()).isEqualTo("in");
        assertThat(report.outputSha256()).isEqualTo("out");
        assertThat(report.timings()).containsExactly(new StepTiming("read", 1), new StepTiming("evaluate", 2));
        assertThat(report.auto()).isNull();
        assertThat(report.autoCandidates()).isEmpty();
        assertThat(report.versions().engine()).isEqualTo(ModelCompressor.VERSION);
    }

    @Test
    void notesComeInTheOrderOfThePipeline() {
        FidelityReport report = report(INT8, List.of("calibration's note", "plan's note"));

        List<String> notes = report.notes();
        assertThat(notes.getFirst()).startsWith("verdict " + report.verdict());
        assertThat(notes.subList(1, 6)).containsExactly("calibration's note", "plan's note", "writer's note",
                "evaluation's note", "sensitivity's note");
        // the reference bands of the output close the notes
        assertThat(notes.subList(6, notes.size())).singleElement()
                .satisfies(band -> assertThat(band).startsWith("output 'y': KL divergence 0.0030 is"));
    }

    @Test
    void aModelWithoutWeightsHasZeroBitsPerWeight() {
        Compression.Outcome empty = new Compression.Outcome(List.of(), true, 100, 100, 0, 0, 0, List.of());
        assertThat(ReportStep.bitsPerWeight(empty)).isZero();
    }

    private static FidelityReport report(CompressionMethod method, List<String> stepNotes) {
        PlanStep.Plan plan = new PlanStep.Plan(null, null, null, List.of(), List.of());
        QuantizeStep.Quantized quantized = new QuantizeStep.Quantized(OUTCOME, null, null, List.of());
        SensitivityStep.Ranking sensitivity = new SensitivityStep.Ranking(List.of(), List.of("sensitivity's note"));
        return ReportStep.report(method, 7, "in", "out", plan, quantized, RESULT, sensitivity, stepNotes, null,
                List.of(new StepTiming("read", 1), new StepTiming("evaluate", 2)));
    }
}
