package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.TensorSensitivity;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import ai.onnx.proto.OnnxMl.ModelProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The sensitivity ranking swaps each tensor's decoded values into the original model instead of writing a model per
 * tensor; these tests hold it to the definition: the loss of the model with only that tensor compressed, measured
 * independently by compressing with every other tensor excluded.
 */
class SensitivityTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"fp16", "int8", "int4"})
    void swappedLossesEqualTheLossOfTheModelWithOnlyThatTensorCompressed(String method) throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.bertLikeEncoder(500, 64, 2, 3), dir.resolve("encoder.onnx"));

        FidelityReport report = ranked(input, method);

        // int8 weights read through DequantizeLinear are rewritten (ONNX Runtime fuses them into its own kernel)
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains(method.equals("int8") ? "12 by rewriting"
                : "0 by rewriting"));
        assertMatchesRewriting(input, method, report, 1e-4);
    }

    @Test
    void aGemmWeightReadTransposedIsSwappedInItsOwnLayout() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.gemm(128, 96, true, 5), dir.resolve("gemm.onnx"));
        for (String method : List.of("int8", "int4")) {
            FidelityReport report = ranked(input, method);
            assertThat(report.sensitivity()).extracting(TensorSensitivity::name).contains("W");
            assertMatchesRewriting(input, method, report, 1e-4);
        }
    }

    @Test
    void weightsThatCannotBeSwappedAreMeasuredByRewriting() throws IOException {
        Path constant = OnnxFixtures.write(OnnxFixtures.withConstantNode(128, 64, 3), dir.resolve("constant.onnx"));
        FidelityReport report = ranked(constant, "int4");
        assertThat(report.sensitivity()).extracting(TensorSensitivity::name).contains("W");
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("1 by rewriting"));
        assertMatchesRewriting(constant, "int4", report, 1e-4);

        // int8-dynamic also quantizes activations: its MatMul weights are rewritten, its lookup tables swapped
        Path encoder = OnnxFixtures.write(OnnxFixtures.bertLikeEncoder(500, 64, 1, 4), dir.resolve("encoder.onnx"));
        FidelityReport dynamic = ranked(encoder, "int8-dynamic");
        assertThat(dynamic.notes()).anySatisfy(n -> assertThat(n).contains("(2 with decoded weights swapped"));
        assertMatchesRewriting(encoder, "int8-dynamic", dynamic, 1e-4);
    }

    @Test
    void leavesNoScratchFilesBehind() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(256, 64, 9), dir.resolve("matmul.onnx"));
        ranked(input, "int4");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("matmul.onnx", "int4.onnx");
        }
    }

    private FidelityReport ranked(Path input, String method) throws IOException {
        FidelityReport report = new ModelCompressor(EVALUATION, CalibrationSettings.none()).measuringSensitivity()
                .compress(input, dir.resolve(method + ".onnx"), CompressionMethod.of(method, CompressionOptions.defaults()),
                        ProgressListener.NONE);
        List<String> compressed = report.tensors().stream().filter(t -> !t.method().equals("kept"))
                .map(FidelityReport.TensorReport::name).toList();
        assertThat(report.sensitivity()).extracting(TensorSensitivity::name)
                .containsExactlyInAnyOrderElementsOf(compressed);
        assertThat(report.sensitivity()).isSortedAccordingTo(
                Comparator.comparingDouble(TensorSensitivity::cosineLoss).reversed());
        return report;
    }

    /** Compresses the model once per tensor with every other compressed tensor excluded, and compares losses. */
    private void assertMatchesRewriting(Path input, String method, FidelityReport report, double relativeTolerance)
            throws IOException {
        List<String> all = report.sensitivity().stream().map(TensorSensitivity::name).toList();
        for (TensorSensitivity tensor : report.sensitivity()) {
            List<String> others = all.stream().filter(name -> !name.equals(tensor.name())).toList();
            Path alone = dir.resolve("alone-" + method + ".onnx");
            FidelityReport only = new ModelCompressor(EVALUATION, CalibrationSettings.none()).compress(input, alone,
                    CompressionMethod.of(method, new CompressionOptions(null, null, others, null)), ProgressListener.NONE);
            double expected = 1 - only.worstCosineMean();
            assertThat(tensor.cosineLoss()).as("%s %s", method, tensor.name())
                    .isCloseTo(expected, within(Math.max(1e-9, relativeTolerance * expected)));
            Files.deleteIfExists(alone);
            Files.deleteIfExists(alone.resolveSibling(alone.getFileName() + ".data"));
        }
    }
}
