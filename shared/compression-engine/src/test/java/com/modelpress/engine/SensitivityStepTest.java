package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport.TensorSensitivity;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SensitivityStepTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());
    static final CompressionMethod INT4 = CompressionMethod.of("int4", CompressionOptions.defaults());

    @TempDir
    Path dir;

    @Test
    void decodedValuesSwappedIntoTheOriginalScoreAsRewritingTheModelDoes() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.bertLikeEncoder(200, 32, 1, 3), dir.resolve("in.onnx"));
        Path output = dir.resolve("out.onnx");
        LoadStep.Loaded loaded = LoadStep.load(input, output, INT4, EVALUATION, CalibrationSettings.none(),
                ProgressListener.NONE);
        PlanStep.Plan plan;
        try (CalibrateStep.Calibrated calibrated = CalibrateStep.calibrate(loaded, INT4, EVALUATION,
                CalibrationSettings.none(), new StepClock(), ProgressListener.NONE)) {
            plan = PlanStep.plan(loaded, INT4, calibrated, output, EVALUATION, ModelCompressor.Head.MEASURED,
                    new StepClock(), ProgressListener.NONE);
        }
        SensitivityStep.Ranking swapped;
        SensitivityStep.Ranking rewritten;
        try (DecodedValues decoded = new DecodedValues(dir)) {
            QuantizeStep.Quantized quantized = QuantizeStep.quantize(loaded, INT4, plan,
                    new CalibrateStep.Calibrated(ConvCalibration.none(), null, null, Map.of(), null, java.util.List.of(), false),
                    output, decoded, EVALUATION, CalibrationSettings.none(), new StepClock(), ProgressListener.NONE);
            swapped = SensitivityStep.rank(loaded, output, INT4, quantized.pass(), quantized.outcome().tensors(), decoded,
                    EVALUATION, ProgressListener.NONE);
            rewritten = SensitivityStep.rank(loaded, output, INT4, quantized.pass(), quantized.outcome().tensors(), null,
                    EVALUATION, ProgressListener.NONE);
        }

        int n = rewritten.ranked().size();
        assertThat(n).isPositive();
        assertThat(rewritten.notes()).containsExactly("sensitivity: %d tensors measured alone (0 with decoded weights swapped into the original, %d by rewriting the model)".formatted(n, n));
        assertThat(swapped.ranked()).hasSize(n);
        assertThat(rewritten.ranked()).isSortedAccordingTo(Comparator.comparingDouble(TensorSensitivity::cosineLoss).reversed());
        for (TensorSensitivity tensor : rewritten.ranked()) {
            TensorSensitivity same = swapped.ranked().stream().filter(t -> t.name().equals(tensor.name())).findFirst().orElseThrow();
            assertThat(same.cosineLoss()).as(tensor.name()).isCloseTo(tensor.cosineLoss(),
                    within(Math.max(1e-6, 0.05 * tensor.cosineLoss())));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".modelpress-sensitivity-"));
        }
    }
}
