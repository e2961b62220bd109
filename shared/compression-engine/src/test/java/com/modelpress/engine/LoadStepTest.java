package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.SizeTarget;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.files.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoadStepTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());
    static final CompressionMethod INT8 = CompressionMethod.of("int8", CompressionOptions.defaults());

    @TempDir
    Path dir;

    @Test
    void readsTheModelAndDigestsItBeside() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(64, 32, 1), dir.resolve("in.onnx"));

        LoadStep.Loaded loaded = LoadStep.load(input, dir.resolve("out.onnx"), INT8, EVALUATION,
                CalibrationSettings.none(), ProgressListener.NONE);

        assertThat(loaded.input()).isEqualTo(input);
        assertThat(loaded.source().proto().getGraph()).isEqualTo(OnnxFixtures.matMul(64, 32, 1).getGraph());
        assertThat(loaded.digest().join()).isEqualTo(Sha256.of(input));
    }

    @Test
    void refusesToWriteOverTheInput() {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(64, 32, 1), dir.resolve("in.onnx"));

        assertThatThrownBy(() -> LoadStep.load(input, dir.resolve("./in.onnx"), INT8, EVALUATION,
                CalibrationSettings.none(), ProgressListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is the input");
    }

    @Test
    void refusesASizeAutoCannotReachBeforeAnyCalibration() {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(64, 32, 1), dir.resolve("in.onnx"));
        CompressionMethod.Auto tooSmall = CompressionMethod.auto(CompressionOptions.defaults(), null,
                new CompressionMethod.Size(SizeTarget.parse("16B"), null), 10, null);

        assertThatThrownBy(() -> LoadStep.load(input, dir.resolve("out.onnx"), tooSmall, EVALUATION,
                CalibrationSettings.none(), ProgressListener.NONE)).isInstanceOf(SizeTargetException.class);
    }
}
