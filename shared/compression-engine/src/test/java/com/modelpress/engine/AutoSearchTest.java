package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AutoSearchTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    Path input;
    double int4Cosine;
    double int8Cosine;
    double int8Ratio;

    @BeforeEach
    void measureTheEnds() throws IOException {
        input = OnnxFixtures.write(OnnxFixtures.bertLikeEncoder(500, 64, 2, 3), dir.resolve("encoder.onnx"));
        FidelityReport int4 = compress(CompressionMethod.of("int4", CompressionOptions.defaults()), "int4");
        FidelityReport int8 = compress(CompressionMethod.of("int8", CompressionOptions.defaults()), "int8");
        int4Cosine = int4.worstCosineMean();
        int8Cosine = int8.worstCosineMean();
        int8Ratio = int8.sizes().ratio();
    }

    @Test
    void findsAMixBetweenInt4AndInt8ThatMeetsTheTarget() throws IOException {
        assertThat(int8Cosine).isGreaterThan(int4Cosine);
        double target = int4Cosine + 0.5 * (int8Cosine - int4Cosine);

        FidelityReport report = compress(CompressionMethod.auto(CompressionOptions.defaults(), target, Duration.ofMinutes(5)), "auto");

        assertThat(report.method()).isEqualTo("auto");
        assertThat(report.worstCosineMean()).isGreaterThanOrEqualTo(target);
        assertThat(report.sizes().ratio()).isLessThan(int8Ratio);
        assertThat(report.tensors()).extracting(FidelityReport.TensorReport::method).contains("int4", "int8");
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("sensitivity"))
                .anySatisfy(n -> assertThat(n).endsWith("met"));
        // the sensitivity auto measured is the report's ranking, most sensitive first
        assertThat(report.sensitivity()).isNotEmpty().isSortedAccordingTo(
                java.util.Comparator.comparingDouble(FidelityReport.TensorSensitivity::cosineLoss).reversed());
        // every mix scored is in the report, all-int4 first, and exactly one, the returned model, is marked
        List<FidelityReport.AutoCandidate> candidates = report.autoCandidates();
        assertThat(candidates.getFirst().label()).isEqualTo("all int4");
        assertThat(candidates.getFirst().cosine()).isCloseTo(int4Cosine, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(candidates).extracting(FidelityReport.AutoCandidate::label).contains("all int8")
                .noneMatch(label -> label.startsWith("only "));
        List<FidelityReport.AutoCandidate> marked = candidates.stream().filter(FidelityReport.AutoCandidate::chosen).toList();
        assertThat(marked).hasSize(1);
        FidelityReport.AutoCandidate chosen = marked.getFirst();
        assertThat(chosen.meetsTarget()).isTrue();
        assertThat(chosen.compressedBytes()).isEqualTo(report.sizes().compressedBytes());
        assertThat(chosen.cosine()).isCloseTo(report.worstCosineMean(), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(candidates).filteredOn(FidelityReport.AutoCandidate::meetsTarget)
                .allSatisfy(c -> assertThat(c.compressedBytes()).isGreaterThanOrEqualTo(chosen.compressedBytes()));
    }

    @Test
    void anEasyTargetIsAllInt4() throws IOException {
        FidelityReport report = compress(CompressionMethod.auto(CompressionOptions.defaults(), int4Cosine - 0.01,
                Duration.ofMinutes(5)), "easy");
        assertThat(report.notes()).contains(String.format(java.util.Locale.ROOT, "auto: target cosine %.5f met", int4Cosine - 0.01));
        assertThat(report.tensors()).extracting(FidelityReport.TensorReport::method).doesNotContain("int8");
        assertThat(report.autoCandidates()).singleElement()
                .satisfies(c -> assertThat(c.chosen() && c.meetsTarget() && c.label().equals("all int4")).isTrue());
    }

    @Test
    void anUnreachableTargetStillGivesTheClosestModelAndSaysSo() throws IOException {
        FidelityReport report = compress(CompressionMethod.auto(CompressionOptions.defaults(), 1.0, Duration.ofSeconds(30)),
                "unreachable");
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("NOT met"));
        assertThat(Files.exists(dir.resolve("unreachable.onnx"))).isTrue();
        assertThat(report.worstCosineMean()).isGreaterThanOrEqualTo(int8Cosine);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".modelpress-auto-"));
        }
    }

    @Test
    void rejectsTargetsAndBudgetsThatMakeNoSense() {
        for (double target : List.of(0.0, 1.5, -1.0)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompressionMethod.auto(null, target, Duration.ofMinutes(1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompressionMethod.auto(null, 0.9, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompressionMethod.of("auto", null))
                .hasMessageContaining("target");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CompressionMethod.Goal(null, null, null))
                .hasMessageContaining("target");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CompressionMethod.Goal(null, null, -1.0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private FidelityReport compress(CompressionMethod method, String name) throws IOException {
        return new ModelCompressor(EVALUATION, CalibrationSettings.none())
                .compress(input, dir.resolve(name + ".onnx"), method, ProgressListener.NONE);
    }

    @Test
    void anSqnrTargetIsMetOnEveryOutput() throws IOException {
        FidelityReport int4 = compress(CompressionMethod.of("int4", CompressionOptions.defaults()), "sqnr-int4");
        double target = int4.outputs().stream().mapToDouble(FidelityReport.OutputFidelity::sqnrDb).min().orElseThrow() + 3;
        FidelityReport report = compress(CompressionMethod.auto(CompressionOptions.defaults(),
                new CompressionMethod.Goal(null, target, null), Duration.ofMinutes(5)), "sqnr");
        assertThat(report.outputs()).allSatisfy(o -> assertThat(o.sqnrDb()).isGreaterThanOrEqualTo(target));
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("auto: target SQNR").endsWith("met"));
    }

    @Test
    void aKlTargetOnAModelWithoutLogitsCannotBeMetAndSaysSo() throws IOException {
        FidelityReport report = compress(CompressionMethod.auto(CompressionOptions.defaults(),
                new CompressionMethod.Goal(null, null, 0.01), Duration.ofSeconds(30)), "kl");
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("KL 0.0100 NOT met"));
    }

    @Test
    void sensitivityRanksEveryCompressedTensorWhenAskedFor() throws IOException {
        FidelityReport plain = compress(CompressionMethod.of("int4", CompressionOptions.defaults()), "plain");
        assertThat(plain.sensitivity()).isEmpty();

        FidelityReport report = new ModelCompressor(EVALUATION, CalibrationSettings.none()).measuringSensitivity()
                .compress(input, dir.resolve("ranked.onnx"), CompressionMethod.of("int4", CompressionOptions.defaults()),
                        ProgressListener.NONE);
        List<String> compressed = report.tensors().stream().filter(t -> !t.method().equals("kept"))
                .map(FidelityReport.TensorReport::name).toList();
        assertThat(report.sensitivity()).extracting(FidelityReport.TensorSensitivity::name)
                .containsExactlyInAnyOrderElementsOf(compressed);
        assertThat(report.sensitivity()).isSortedAccordingTo(
                java.util.Comparator.comparingDouble(FidelityReport.TensorSensitivity::cosineLoss).reversed());
        assertThat(report.sensitivity().getFirst().cosineLoss()).isPositive();
    }
}
