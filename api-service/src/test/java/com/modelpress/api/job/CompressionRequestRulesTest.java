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
    void reportsEveryViolationAtOnce() {
        CompressionRequest bad = new CompressionRequest("int2", new CompressionOptions(24, null, List.of(" "), -1L),
                new CompressionRequest.Target(1.5), new CompressionRequest.EvaluationSpec(0, 1L), Map.of("", "x"));
        assertThatThrownBy(() -> CompressionRequestRules.check(bad))
                .isInstanceOfSatisfying(InvalidCompressionRequestException.class, e -> assertThat(e.violations())
                        .extracting(InvalidCompressionRequestException.Violation::field)
                        .containsExactly("method", "options.blockSize", "options.minElements", "options.excludeNodes",
                                "target.minCosine", "evaluation.samples", "metadata"));
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

    private static CompressionRequest request(String method, Integer blockSize, Integer samples) {
        return new CompressionRequest(method, new CompressionOptions(blockSize, null, null, null), null,
                new CompressionRequest.EvaluationSpec(samples, null), null);
    }
}
