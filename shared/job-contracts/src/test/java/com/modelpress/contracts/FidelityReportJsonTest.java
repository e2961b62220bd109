package com.modelpress.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

/** The report's language-model sections round-trip, and a report written before them still reads. */
class FidelityReportJsonTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void languageModelSectionsRoundTrip() {
        FidelityReport.TextInfo eval = new FidelityReport.TextInfo("eval.txt", "a".repeat(64), 59035, 24, 128);
        FidelityReport.NextTokenFidelity prefill = new FidelityReport.NextTokenFidelity(3072, 61.0, 61.3, 0.0046, 0.0035,
                0.0025, 0.017, 0.045, 0.944, 0.951, 0.0115, "Q6_K",
                new FidelityReport.LogHistogram(-8, 1, List.of(0L, 3070L, 1L), 1L, 0L),
                new FidelityReport.PositionAgreement(2, List.of(1.0, 0.9375), List.of(48L, 48L)));
        FidelityReport.NextTokenFidelity decode = new FidelityReport.NextTokenFidelity(768, null, null, null, 0.0036,
                0.0026, 0.017, 0.023, 0.944, 0.955, null, "Q6_K");
        FidelityReport report = new FidelityReport(FidelityReport.SCHEMA_VERSION, "int4", CompressionOptions.defaults(),
                "in", "out", false, new FidelityReport.Sizes(10, 2, 0.2, 8, 1), 4.5, List.of(), List.of(), null,
                new FidelityReport.EvaluationInfo("text", 24, List.of("input_ids …"), eval), 7, Map.of(),
                new FidelityReport.Versions("0.1.0", "1.29.0", "25"), List.of(), List.of(), List.of(),
                new FidelityReport.ModelInfo("decoder-lm", "subgraph", 4, 4, 2, 64, 4096L, false, "logits",
                        List.of(new FidelityReport.KvCachePair("past_key_values.0.key", "present.0.key"))),
                new FidelityReport.LanguageModelFidelity("logits", "text", 24, 128, 32, prefill, decode,
                        List.of(new FidelityReport.ReferenceBand("Q8_0", 0.000369, 0.001355, 0.97674, 0.98846))),
                new FidelityReport.TextInfo("cal.txt", "b".repeat(64), 89173, 64, 128), null, null, null,
                List.of(new FidelityReport.AutoCandidate("all int4", 2, 0.2, 0.98, 0.0035, true, true)));

        String text = json.writeValueAsString(report);

        assertThat(json.readValue(text, FidelityReport.class)).isEqualTo(report);
        assertThat(text).contains("\"kind\":\"decoder-lm\"", "\"klP99\":0.017", "\"calibrationText\":{",
                "\"klHistogram\":{\"log10From\":-8.0", "\"sameTop1ByPosition\":{\"bucketWidth\":2", "\"autoCandidates\":[{");
    }

    @Test
    void aReportWithoutTheNewSectionsStillReads() {
        String old = """
                {"schemaVersion":1,"method":"int8","options":{"excludeNodes":[]},"inputSha256":"in","outputSha256":"out",
                 "nothingToCompress":false,"sizes":{"originalBytes":10,"compressedBytes":3,"ratio":0.3,
                 "originalWeightBytes":8,"compressedWeightBytes":2},"bitsPerWeight":8.1,"outputs":[],"tensors":[],
                 "latency":null,"evaluation":{"source":"synthesised","samples":8,"description":[]},"seed":7,
                 "sessionOptions":{},"versions":{"engine":"0.1.0","onnxRuntime":"1.29.0","java":"25"},"timings":[],
                 "notes":[],"sensitivity":[]}""";

        FidelityReport report = json.readValue(old, FidelityReport.class);

        assertThat(report.model()).isNull();
        assertThat(report.languageModel()).isNull();
        assertThat(report.calibrationText()).isNull();
        assertThat(report.evaluation().text()).isNull();
        assertThat(report.autoCandidates()).isEmpty();
    }
}
