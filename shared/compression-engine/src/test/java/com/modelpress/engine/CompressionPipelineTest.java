package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.DecoderFixtures;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.files.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The steps a compression runs, as its report's timings name them, and what the pipeline leaves on disk. */
class CompressionPipelineTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @Test
    void withoutCalibrationAModelIsReadCompressedWrittenAndEvaluated() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(128, 64, 1), dir.resolve("in.onnx"));
        Path output = dir.resolve("out.onnx");
        FidelityReport report = new CompressionPipeline(EVALUATION, CalibrationSettings.none(), false,
                ModelCompressor.Head.MEASURED).run(input, output, CompressionMethod.of("int8", CompressionOptions.defaults()),
                ProgressListener.NONE);

        assertThat(report.timings()).extracting(FidelityReport.StepTiming::step)
                .containsExactly("read", "compress+write", "evaluate");
        assertThat(report.inputSha256()).isEqualTo(Sha256.of(input));
        assertThat(report.outputSha256()).isEqualTo(Sha256.of(output));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("in.onnx", "out.onnx");
        }
    }

    @Test
    void anInt4DecoderCalibratesInGroupsChoosesItsHeadAndIsRankedWhenAsked() throws IOException {
        Path input = OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL, DecoderFixtures.Weights.FLOAT32,
                DecoderFixtures.Head.UNTIED, 3), dir.resolve("decoder.onnx"));
        FidelityReport report = new CompressionPipeline(EVALUATION, CalibrationSettings.synthesised(EVALUATION.seed()),
                true, ModelCompressor.Head.INT8).run(input, dir.resolve("out.onnx"),
                CompressionMethod.of("int4", CompressionOptions.defaults()), ProgressListener.NONE);

        // calibration in groups ran inside the head's step and the compression: reported apart, before them
        assertThat(report.timings()).extracting(FidelityReport.StepTiming::step)
                .containsExactly("read", "calibrate", "head precision", "compress+write", "evaluate", "sensitivity");
        assertThat(report.notes()).anySatisfy(note -> assertThat(note).contains(DecoderFixtures.HEAD + ": int8, as requested"));
        assertThat(report.sensitivity()).isNotEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".modelpress-"));
        }
    }
}
