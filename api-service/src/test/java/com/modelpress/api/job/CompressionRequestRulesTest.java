package com.modelpress.api.job;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionRequestRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {"fp16", "int8", "int8-dynamic", "int4"})
    void acceptsEverySupportedMethod(String method) {
        assertThatCode(() -> CompressionRequestRules.check(request(method, null, null))).doesNotThrowAnyException();
    }

    @Test
    void roundingMustBeKnown() {
        assertThatThrownBy(() -> CompressionRequestRules.check(new CompressionRequest("int4",
                new CompressionOptions(32, null, null, null, "stochastic"), null, null, null)))
                .isInstanceOf(InvalidCompressionRequestException.class).hasMessageContaining("options.rounding");
        assertThatCode(() -> CompressionRequestRules.check(new CompressionRequest("int4",
                new CompressionOptions(32, null, null, null, "rtn"), null, null, null))).doesNotThrowAnyException();
    }

    @Test
    void autoNeedsATarget() {
        assertThatThrownBy(() -> CompressionRequestRules.check(request("auto", null, null)))
                .isInstanceOf(InvalidCompressionRequestException.class).hasMessageContaining("target.minCosine");
        assertThatCode(() -> CompressionRequestRules.check(new CompressionRequest("auto", null,
                new CompressionRequest.Target(0.995), null, null))).doesNotThrowAnyException();
    }

    @Test
    void autoTakesASizeOrBitsPerWeightAloneOrWithAFidelityFloor() {
        for (CompressionRequest.Target target : List.of(sized("2.5MB", null), sized("750MiB", null), sized("0.25x", null),
                sized(null, 3.5), new CompressionRequest.Target(null, null, 0.01, null, "2500000", 4.0))) {
            assertThatCode(() -> CompressionRequestRules.check(new CompressionRequest("auto", null, target, null, null)))
                    .as("%s", target).doesNotThrowAnyException();
        }
    }

    @Test
    void aSizeMustBeReadableAndPossible() {
        assertThat(violations("auto", sized("big", null))).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("target.size");
            assertThat(v.message()).contains("1.5GB", "750MiB", "0.25x");
        });
        assertThat(violations("auto", sized("1.5x", null))).extracting(InvalidCompressionRequestException.Violation::field)
                .containsExactly("target.size");
        assertThat(violations("auto", sized("0B", null))).extracting(InvalidCompressionRequestException.Violation::field)
                .containsExactly("target.size");
        assertThat(violations("auto", sized("9".repeat(100), null))).extracting(InvalidCompressionRequestException.Violation::field)
                .containsExactly("target.size");
        assertThat(violations("auto", sized(null, 1.5))).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("target.bitsPerWeight");
            assertThat(v.message()).contains("2", "1.5");
        });
        assertThat(violations("auto", sized(null, Double.NaN))).hasSize(1);
    }

    @Test
    void aSizeIsATargetOfAutoOnly() {
        assertThat(violations("int4", sized("2MB", null))).extracting(InvalidCompressionRequestException.Violation::field)
                .containsExactly("target.size");
        assertThat(violations("int8", sized(null, 4.0))).extracting(InvalidCompressionRequestException.Violation::field)
                .containsExactly("target.bitsPerWeight");
    }

    private static CompressionRequest.Target sized(String size, Double bitsPerWeight) {
        return new CompressionRequest.Target(null, null, null, null, size, bitsPerWeight);
    }

    private static List<InvalidCompressionRequestException.Violation> violations(String method,
                                                                              CompressionRequest.Target target) {
        try {
            CompressionRequestRules.check(new CompressionRequest(method, null, target, null, null));
            return List.of();
        } catch (InvalidCompressionRequestException e) {
            return e.violations();
        }
    }

    @Test
    void reportsEveryViolationAtOnce() {
        CompressionRequest bad = new CompressionRequest("int2", new CompressionOptions(24, null, List.of(" "), -1L),
                new CompressionRequest.Target(1.5), new CompressionRequest.EvaluationSpec(0, 1L), Map.of("", "x"));
        assertThatThrownBy(() -> CompressionRequestRules.check(bad))
                .isInstanceOfSatisfying(InvalidCompressionRequestException.class, e -> assertThat(e.violations())
                        .extracting(InvalidCompressionRequestException.Violation::field)
                        .containsExactly("method", "options.blockSize", "options.minElements", "options.excludeNodes",
                                "target.minCosine", "evaluation.samples", "metadata"));
    }

    @Test
    void declaredInputsAreBoundedAndEachProblemNamesItsField() {
        CompressionRequest bad = new CompressionRequest("int8", null, null, new CompressionRequest.EvaluationSpec(16, null,
                null, null, null, Map.of("input", List.of(4096L, 4097L), "state", List.of(2L, -1L)),
                Map.of("batch", 1L << 30), Map.of("sr", Double.POSITIVE_INFINITY)), null);
        assertThatThrownBy(() -> CompressionRequestRules.check(bad))
                .isInstanceOfSatisfying(InvalidCompressionRequestException.class, e -> assertThat(e.violations())
                        .extracting(InvalidCompressionRequestException.Violation::field)
                        .containsExactlyInAnyOrder("evaluation.shapes.input", "evaluation.shapes.state",
                                "evaluation.dims.batch", "evaluation.values.sr"));
        // 16 samples of 2x512 plus a 2x2x128 state and a scalar are well within the bounds
        CompressionRequest vad = new CompressionRequest("int8", null, null, new CompressionRequest.EvaluationSpec(16, null,
                null, null, null, Map.of("input", List.of(2L, 512L), "sr", List.of()), Map.of("batch", 2L),
                Map.of("sr", 16000d)), null);
        assertThatCode(() -> CompressionRequestRules.check(vad)).doesNotThrowAnyException();
        // many samples of a large declared input add up
        CompressionRequest many = new CompressionRequest("int8", null, null, new CompressionRequest.EvaluationSpec(1024,
                null, null, null, null, Map.of("input", List.of(1L << 20)), null, null), null);
        assertThatThrownBy(() -> CompressionRequestRules.check(many)).hasMessageContaining("evaluation.shapes");
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 32, 64, 128})
    void acceptsEachBlockSize(int blockSize) {
        assertThatCode(() -> CompressionRequestRules.check(request("int4", blockSize, 1024)))
                .doesNotThrowAnyException();
    }

    @Test
    void samplesMustBeBetweenOneAnd1024() {
        assertThatThrownBy(() -> CompressionRequestRules.check(request("int4", null, 1025)))
                .isInstanceOf(InvalidCompressionRequestException.class);
        assertThatThrownBy(() -> CompressionRequestRules.check(request(null, null, 1)))
                .hasMessageContaining("method is required");
    }

    @Test
    void uploadedFileNamesAreReducedToSafeKeysAndMustLookLikeModels() {
        assertThat(JobSubmission.safeFileName("C:\\Users\\me\\my model (v2).onnx")).isEqualTo("my_model__v2_.onnx");
        assertThat(JobSubmission.safeFileName("../../etc/model.TAR")).isEqualTo("model.TAR");
        for (String notAModel : new String[]{"..zip", ".onnx", "model.bin", "", null}) {
            assertThatThrownBy(() -> JobSubmission.safeFileName(notAModel)).isInstanceOf(InvalidModelFileException.class);
        }
    }

    @Test
    void languageModelOptionsAreBounded() {
        assertThatCode(() -> CompressionRequestRules.check(lm("int4", "int8", 2, 0, null))).doesNotThrowAnyException();
        assertThatCode(() -> CompressionRequestRules.check(lm("int4", "kept", 8192, 1024, null))).doesNotThrowAnyException();
        assertThatThrownBy(() -> CompressionRequestRules.check(lm("int4", "int2", null, null, null)))
                .isInstanceOf(InvalidCompressionRequestException.class)
                .hasMessageContaining("options.head must be one of [measured, int4, int8, kept], not 'int2'");
        assertThatThrownBy(() -> CompressionRequestRules.check(lm("int4", null, 1, null, null)))
                .hasMessageContaining("evaluation.context must be between 2 and 8192 tokens, not 1");
        assertThatThrownBy(() -> CompressionRequestRules.check(lm("int4", null, 8193, null, null)))
                .hasMessageContaining("evaluation.context");
        assertThatThrownBy(() -> CompressionRequestRules.check(lm("int4", null, null, -1, null)))
                .hasMessageContaining("evaluation.decodeSteps must be between 0 and 1024, not -1");
        assertThatThrownBy(() -> CompressionRequestRules.check(lm("int4", null, null, 1025, null)))
                .hasMessageContaining("evaluation.decodeSteps");
    }

    @Test
    void autoMayAimAtAPerplexityIncreaseAloneAndItMustBePositive() {
        assertThatCode(() -> CompressionRequestRules.check(lm("auto", null, null, null,
                new CompressionRequest.Target(null, null, null, 0.01)))).doesNotThrowAnyException();
        assertThatCode(() -> CompressionRequestRules.check(lm("auto", null, null, null,
                new CompressionRequest.Target(null, null, 0.005, null)))).doesNotThrowAnyException();
        for (double bad : new double[] {0, -0.01, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> CompressionRequestRules.check(lm("auto", null, null, null,
                    new CompressionRequest.Target(null, null, null, bad))))
                    .as("maxPplIncrease %s", bad).hasMessageContaining("target.maxPplIncrease must be a positive fraction");
        }
        assertThatThrownBy(() -> CompressionRequestRules.check(lm("auto", null, null, null,
                new CompressionRequest.Target(null, null, null, null))))
                .hasMessageContaining("auto needs a target (minCosine, minSqnrDb, maxKl and/or maxPplIncrease").hasMessageContaining("size and/or bitsPerWeight");
    }

    private static CompressionRequest lm(String method, String head, Integer context, Integer decodeSteps,
                                         CompressionRequest.Target target) {
        return new CompressionRequest(method, new CompressionOptions(null, null, null, null, null, head), target,
                new CompressionRequest.EvaluationSpec(null, null, null, context, decodeSteps), null);
    }

    private static CompressionRequest request(String method, Integer blockSize, Integer samples) {
        return new CompressionRequest(method, new CompressionOptions(blockSize, null, null, null), null,
                new CompressionRequest.EvaluationSpec(samples, null), null);
    }
}
