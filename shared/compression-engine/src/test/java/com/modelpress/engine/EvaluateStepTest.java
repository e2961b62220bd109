package com.modelpress.engine;

import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvaluateStepTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @Test
    void measuresTheWrittenModelAgainstTheOriginal() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(64, 32, 1), dir.resolve("in.onnx"));
        Path output = OnnxFixtures.write(OnnxFixtures.withNoise(OnnxFixtures.matMul(64, 32, 1), 0.01, 2),
                dir.resolve("out.onnx"));

        var result = EvaluateStep.evaluate(input, output, false, EVALUATION, ProgressListener.NONE);

        assertThat(result.outputs()).singleElement().satisfies(o -> assertThat(o.cosineMean()).isLessThan(1).isGreaterThan(0.9));
        assertThat(output).exists();
    }

    @Test
    void aModelThatCannotBeMeasuredIsDeletedWithItsExternalData() throws IOException {
        Path data = failToMeasure(false);
        assertThat(dir.resolve("out.onnx")).doesNotExist();
        assertThat(data).doesNotExist();
    }

    @Test
    void aCopyOfTheInputLeavesExternalDataByTheOutputsNameAlone() throws IOException {
        Path data = failToMeasure(true);
        assertThat(dir.resolve("out.onnx")).doesNotExist();
        assertThat(data).exists();
    }

    /** Evaluates an output that is not a model, beside a {@code .data} file by its name; returns that file. */
    private Path failToMeasure(boolean copy) throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(64, 32, 1), dir.resolve("in.onnx"));
        Path output = Files.writeString(dir.resolve("out.onnx"), "not a model");
        Path data = Files.writeString(dir.resolve("out.onnx.data"), "weights");
        assertThatThrownBy(() -> EvaluateStep.evaluate(input, output, copy, EVALUATION, ProgressListener.NONE))
                .isInstanceOf(RuntimeException.class);
        return data;
    }
}
