package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CalibrateStepTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());
    static final CalibrationSettings SYNTHESISED = CalibrationSettings.synthesised(EVALUATION.seed());

    @TempDir
    Path dir;

    @Test
    void aMethodThatDoesNotCalibrateGetsNothingAndLapsNothing() throws IOException {
        StepClock clock = new StepClock();
        try (CalibrateStep.Calibrated calibrated = calibrate(OnnxFixtures.conv2d(16, 64, 3, 2), "fp16",
                CompressionOptions.defaults(), clock)) {
            assertThat(calibrated.convs().moments()).isEmpty();
            assertThat(calibrated.grouped()).isNull();
            assertThat(calibrated.moments()).isEmpty();
            assertThat(calibrated.interleaved()).isFalse();
        }
        assertThat(clock.timings()).isEmpty();
    }

    @Test
    void int8CalibratesConvKernelsOnTheirPatches() throws IOException {
        StepClock clock = new StepClock();
        try (CalibrateStep.Calibrated calibrated = calibrate(OnnxFixtures.conv2d(16, 64, 3, 2), "int8",
                CompressionOptions.defaults(), clock)) {
            assertThat(calibrated.convs().moments()).hasSize(1);
            assertThat(calibrated.grouped()).isNull();
            assertThat(calibrated.interleaved()).isFalse();
        }
        assertThat(clock.timings()).extracting(t -> t.step()).containsExactly("calibrate");
    }

    @Test
    void gptqPlansGroupsThatTheQuantizeStepComputesAndReportsApart() throws IOException {
        StepClock clock = new StepClock();
        try (CalibrateStep.Calibrated calibrated = calibrate(OnnxFixtures.matMul(64, 32, 1), "int4",
                CompressionOptions.defaults(), clock)) {
            assertThat(calibrated.grouped()).isNotNull();
            assertThat(calibrated.products()).isNotNull();
            assertThat(calibrated.moments()).isEmpty();
            assertThat(calibrated.interleaved()).isTrue();
            clock.lap("compress+write");
            clock.endApart();
        }
        assertThat(clock.timings()).extracting(t -> t.step()).containsExactly("calibrate", "compress+write");
    }

    @Test
    void roundingToNearestNeedsNoMoments() throws IOException {
        try (CalibrateStep.Calibrated calibrated = calibrate(OnnxFixtures.matMul(64, 32, 1), "int4",
                new CompressionOptions(null, null, null, null, "rtn"), new StepClock())) {
            assertThat(calibrated.grouped()).isNull();
            assertThat(calibrated.interleaved()).isFalse();
        }
    }

    private CalibrateStep.Calibrated calibrate(ai.onnx.proto.OnnxMl.ModelProto model, String method,
                                               CompressionOptions options, StepClock clock) throws IOException {
        Path input = OnnxFixtures.write(model, dir.resolve("in.onnx"));
        LoadStep.Loaded loaded = LoadStep.load(input, dir.resolve("out.onnx"), CompressionMethod.of(method, options),
                EVALUATION, SYNTHESISED, ProgressListener.NONE);
        return CalibrateStep.calibrate(loaded, CompressionMethod.of(method, options), EVALUATION, SYNTHESISED, clock,
                ProgressListener.NONE);
    }
}
