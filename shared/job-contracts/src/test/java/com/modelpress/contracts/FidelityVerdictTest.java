package com.modelpress.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;

/** The verdict bands as documented in {@link FidelityVerdict} and the README, and the report field they fill. */
class FidelityVerdictTest {

    @Test
    void vectorOutputsAreJudgedOnTheWorseOfSqnrAndCosine() {
        assertThat(level(vector("Y", 48, 0.99999))).isEqualTo("lossless");
        assertThat(level(vector("Y", 28.3, 0.9995))).isEqualTo("close");
        assertThat(level(vector("Y", 40, 0.99))).as("cosine decides").isEqualTo("degraded");
        // the text detector of issue 13: weight-only int8 at cosine 0.980 and 16.5 dB flipped pixels
        assertThat(level(vector("map", 16.5, 0.980))).isEqualTo("degraded");
        assertThat(level(vector("Y", 9.9, 0.97))).isEqualTo("broken");
        assertThat(level(vector("Y", Double.NaN, 1.0))).as("not a number").isEqualTo("broken");
        assertThat(FidelityVerdict.of(List.of(vector("a", 48, 1), vector("b", 21, 0.996)), null).level())
                .as("the worst output").isEqualTo("close");
        assertThat(FidelityVerdict.of(List.of(vector("b", 21, 0.996)), null).basis())
                .containsExactly("b: SQNR 21.0 dB, cosine 0.99600 → close");
    }

    @Test
    void distributionsAreJudgedOnKlAndTopOne() {
        FidelityReport.OutputFidelity logits = new FidelityReport.OutputFidelity("logits", 0.2, 0.1, 2, 3, 1, 0.98, 0.004, 8);
        assertThat(level(logits)).as("SQNR 1 dB ignored for a distribution").isEqualTo("close");
        FidelityReport.OutputFidelity flipped = new FidelityReport.OutputFidelity("logits", 1, 1, 0, 0, 60, 0.85, 0.00001, 8);
        assertThat(level(flipped)).isEqualTo("broken");
    }

    @Test
    void decoderLanguageModelsAreJudgedOnTheirNextTokenPhases() {
        // tinylm as measured: int8 (KL 0.000167, same top-1 98.6 %) and int4 (0.0035, 94.4 %)
        assertThat(FidelityVerdict.of(List.of(), lm(phase(0.000167, 0.986), phase(0.000174, 0.986))).level())
                .isEqualTo("lossless");
        FidelityVerdict int4 = FidelityVerdict.of(List.of(vector("logits", 3, 0.5)), lm(phase(0.0035, 0.944), null));
        assertThat(int4.level()).isEqualTo("close");
        assertThat(int4.basis()).containsExactly("logits prefill: mean KL 0.00350, same top-1 94.4 % → close");
        assertThat(FidelityVerdict.of(List.of(), lm(phase(0.0035, 0.944), phase(0.2, 0.9))).level())
                .as("the decode phase is worse").isEqualTo("broken");
    }

    @Test
    void theReportDerivesItsVerdictWhenNoneIsGivenAndRefusesAnUnknownOne() {
        String old = """
                {"schemaVersion":1,"method":"int8","options":{"excludeNodes":[]},"inputSha256":"in","outputSha256":"out",
                 "nothingToCompress":false,"sizes":{"originalBytes":10,"compressedBytes":3,"ratio":0.3,
                 "originalWeightBytes":8,"compressedWeightBytes":2},"bitsPerWeight":8.1,
                 "outputs":[{"name":"Y","cosineMean":0.9995,"cosineMin":0.99,"relativeL2":0.03,"maxAbsError":0.1,
                             "sqnrDb":30.5,"top1Agreement":null,"klDivergence":null,"vectors":8}],"tensors":[],
                 "latency":null,"evaluation":{"source":"synthesised","samples":8,"description":[]},"seed":7,
                 "sessionOptions":{},"versions":{"engine":"0.1.0","onnxRuntime":"1.29.0","java":"25"},"timings":[],
                 "notes":[],"sensitivity":[]}""";
        JsonMapper json = JsonMapper.builder().build();

        FidelityReport report = json.readValue(old, FidelityReport.class);

        assertThat(report.verdict()).isEqualTo("close");
        assertThat(json.writeValueAsString(report)).contains("\"verdict\":\"close\"");
        assertThatThrownBy(() -> json.readValue(old.replace("\"notes\":[]", "\"notes\":[],\"verdict\":\"fine\""),
                FidelityReport.class)).hasMessageContaining("verdict must be one of");
        assertThat(new FidelityVerdict("close", List.of()).atLeast("degraded")).isTrue();
        assertThat(new FidelityVerdict("degraded", List.of()).atLeast("close")).isFalse();
    }

    private static String level(FidelityReport.OutputFidelity output) {
        return FidelityVerdict.of(List.of(output), null).level();
    }

    private static FidelityReport.OutputFidelity vector(String name, double sqnr, double cosine) {
        return new FidelityReport.OutputFidelity(name, cosine, cosine, Math.pow(10, -sqnr / 20), 0.1, sqnr, null, null, 8);
    }

    private static FidelityReport.NextTokenFidelity phase(double kl, double top1) {
        return new FidelityReport.NextTokenFidelity(100, null, null, null, kl, kl, kl, kl, top1, top1, null, "Q6_K");
    }

    private static FidelityReport.LanguageModelFidelity lm(FidelityReport.NextTokenFidelity prefill,
                                                           FidelityReport.NextTokenFidelity decode) {
        return new FidelityReport.LanguageModelFidelity("logits", "text", 4, 32, 4, prefill, decode, List.of());
    }
}
