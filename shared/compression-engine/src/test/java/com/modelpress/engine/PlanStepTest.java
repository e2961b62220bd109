package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.SizeTarget;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.fp16.Fp16Pass;
import com.modelpress.engine.int4.Int4Pass;
import com.modelpress.engine.int8.Int8Pass;
import com.modelpress.engine.testing.DecoderFixtures;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PlanStepTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @Test
    void eachMethodTakesItsPass() throws IOException {
        assertThat(plan(OnnxFixtures.matMul(64, 32, 1), CompressionMethod.of("fp16", CompressionOptions.defaults()),
                CalibrationSettings.none(), ModelCompressor.Head.MEASURED, new StepClock()).pass()).isInstanceOf(Fp16Pass.class);
        assertThat(plan(OnnxFixtures.matMul(64, 32, 1), CompressionMethod.of("int4", CompressionOptions.defaults()),
                CalibrationSettings.none(), ModelCompressor.Head.MEASURED, new StepClock()).pass()).isInstanceOf(Int4Pass.class);
    }

    @Test
    void int8WithCalibratedConvsRoundsTheKernelsOnTheirPatches() throws IOException {
        PlanStep.Plan plan = plan(OnnxFixtures.conv2d(16, 64, 3, 2), CompressionMethod.of("int8", CompressionOptions.defaults()),
                CalibrationSettings.synthesised(EVALUATION.seed()), ModelCompressor.Head.MEASURED, new StepClock());
        assertThat(plan.pass()).isInstanceOf(Int8Pass.class);
        assertThat(plan.sizeFit()).isNull();
        assertThat(plan.autoCandidates()).isEmpty();
    }

    @Test
    void anInt4LmHeadGetsTheRequestedPrecisionAndTheStepIsTimed() throws IOException {
        StepClock clock = new StepClock();
        PlanStep.Plan plan = plan(DecoderFixtures.decoder(DecoderFixtures.SMALL, DecoderFixtures.Weights.FLOAT32,
                        DecoderFixtures.Head.UNTIED, 3), CompressionMethod.of("int4", CompressionOptions.defaults()),
                CalibrationSettings.none(), ModelCompressor.Head.INT8, clock);

        assertThat(plan.notes()).anySatisfy(note -> assertThat(note).contains(DecoderFixtures.HEAD));
        assertThat(clock.timings()).extracting(t -> t.step()).containsExactly("head precision");
    }

    @Test
    void aSizeTargetLeavesThePlanToTheSizeFit() throws IOException {
        CompressionMethod.Auto auto = CompressionMethod.auto(CompressionOptions.defaults(), null,
                new CompressionMethod.Size(SizeTarget.parse("0.3x"), null), 10, null);
        StepClock clock = new StepClock();
        PlanStep.Plan plan = plan(OnnxFixtures.matMul(256, 128, 1), auto, CalibrationSettings.none(),
                ModelCompressor.Head.MEASURED, clock);

        assertThat(plan.pass()).isNull();
        assertThat(plan.sizeFit()).isNotNull();
        assertThat(clock.timings()).isEmpty();
    }

    private PlanStep.Plan plan(ai.onnx.proto.OnnxMl.ModelProto model, CompressionMethod method,
                               CalibrationSettings calibration, ModelCompressor.Head head, StepClock clock)
            throws IOException {
        Path input = OnnxFixtures.write(model, dir.resolve("in.onnx"));
        Path output = dir.resolve("out.onnx");
        LoadStep.Loaded loaded = LoadStep.load(input, output, method, EVALUATION, calibration, ProgressListener.NONE);
        try (CalibrateStep.Calibrated calibrated = CalibrateStep.calibrate(loaded, method, EVALUATION, calibration,
                new StepClock(), ProgressListener.NONE)) {
            return PlanStep.plan(loaded, method, calibrated, output, EVALUATION, head, clock, ProgressListener.NONE);
        }
    }
}
