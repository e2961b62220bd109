package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QuantizeStepTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @Test
    void writesThePlansPassAndTimesCompressAndWrite() throws IOException {
        StepClock clock = new StepClock();
        QuantizeStep.Quantized quantized = quantize(OnnxFixtures.matMul(128, 64, 1),
                CompressionMethod.of("int8", CompressionOptions.defaults()), CalibrationSettings.none(), clock);

        assertThat(quantized.outcome().nothingToCompress()).isFalse();
        assertThat(quantized.outcome().tensors()).extracting(t -> t.method()).contains("int8");
        assertThat(quantized.fitted()).isNull();
        assertThat(clock.timings()).extracting(t -> t.step()).containsExactly("compress+write");
        assertThat(OnnxModel.read(dir.resolve("out.onnx")).totalBytes()).isEqualTo(quantized.outcome().compressedBytes());
    }

    @Test
    void calibrationInGroupsRunsHereAndIsReportedBeforeTheStepItRanIn() throws IOException {
        StepClock clock = new StepClock();
        QuantizeStep.Quantized quantized = quantize(OnnxFixtures.bertLikeEncoder(200, 32, 1, 3),
                CompressionMethod.of("int4", CompressionOptions.defaults()), CalibrationSettings.synthesised(EVALUATION.seed()),
                clock);

        assertThat(quantized.outcome().tensors()).anySatisfy(t -> assertThat(t.encoding()).contains("GPTQ"));
        assertThat(clock.timings()).extracting(t -> t.step()).containsExactly("calibrate", "compress+write");
        assertThat(quantized.notes()).isNotEmpty();
    }

    @Test
    void whenNothingQualifiesTheOutputIsACopyOfTheInput() throws IOException {
        QuantizeStep.Quantized quantized = quantize(OnnxFixtures.matMul(128, 64, 1), CompressionMethod.of("int8",
                new CompressionOptions(null, null, null, 1_000_000L, null)), CalibrationSettings.none(), new StepClock());

        assertThat(quantized.outcome().nothingToCompress()).isTrue();
        assertThat(Files.readAllBytes(dir.resolve("out.onnx"))).isEqualTo(Files.readAllBytes(dir.resolve("in.onnx")));
    }

    private QuantizeStep.Quantized quantize(ai.onnx.proto.OnnxMl.ModelProto model, CompressionMethod method,
                                            CalibrationSettings calibration, StepClock clock) throws IOException {
        Path input = OnnxFixtures.write(model, dir.resolve("in.onnx"));
        Path output = dir.resolve("out.onnx");
        LoadStep.Loaded loaded = LoadStep.load(input, output, method, EVALUATION, calibration, ProgressListener.NONE);
        try (CalibrateStep.Calibrated calibrated = CalibrateStep.calibrate(loaded, method, EVALUATION, calibration, clock,
                ProgressListener.NONE)) {
            PlanStep.Plan plan = PlanStep.plan(loaded, method, calibrated, output, EVALUATION, ModelCompressor.Head.MEASURED,
                    clock, ProgressListener.NONE);
            return QuantizeStep.quantize(loaded, method, plan, calibrated, output, null, EVALUATION, calibration, clock,
                    ProgressListener.NONE);
        }
    }
}
