package com.modelpress.report;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.AutoCandidate;
import com.modelpress.contracts.FidelityReport.LogHistogram;
import com.modelpress.contracts.FidelityReport.NextTokenFidelity;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.PositionAgreement;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.contracts.FidelityReport.TensorSensitivity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reports as the engine writes them, for a decoder LM and for an encoder, with a hostile tensor name in each. */
final class ReportFixtures {

    static final String HOSTILE = "<script>alert('x')</script>\"&";

    private ReportFixtures() {
    }

    static LogHistogram histogram(int peak, long count) {
        List<Long> counts = new ArrayList<>();
        for (int i = 0; i < 36; i++) {
            counts.add(i == peak ? count : i == peak + 1 ? count / 4 : 0L);
        }
        return new LogHistogram(-8, 1, counts, 1, 0);
    }

    static FidelityReport languageModel() {
        PositionAgreement prefillByPosition = new PositionAgreement(2, java.util.stream.IntStream.range(0, 64)
                .mapToObj(i -> 0.97 - i * 0.0005).toList(), java.util.Collections.nCopies(64, 48L));
        NextTokenFidelity prefill = new NextTokenFidelity(3072, 61.0, 61.3, 0.0046, 0.0035, 0.0025, 0.017, 0.045, 0.944,
                0.951, 0.0115, "Q6_K", histogram(18, 2000), prefillByPosition);
        NextTokenFidelity decode = new NextTokenFidelity(768, 12.0, 12.1, 0.004, 0.0036, 0.0026, 0.017, 0.023, 0.944, 0.955,
                0.01, "Q6_K", histogram(19, 500), new PositionAgreement(1, java.util.Collections.nCopies(32, 0.94),
                java.util.Collections.nCopies(32, 24L)));
        return new FidelityReport(FidelityReport.SCHEMA_VERSION, "auto", CompressionOptions.defaults(), "a".repeat(64),
                "b".repeat(64), false, new FidelityReport.Sizes(20_200_000, 3_400_000, 0.168, 20_000_000, 3_300_000), 5.1,
                List.of(new OutputFidelity("logits", 0.995, 0.93, 0.08, 2.1, 21.0, 0.944, 0.0035, 3072,
                        histogram(12, 3000), histogram(18, 3000)),
                        new OutputFidelity("present.0.key", 0.9993, 0.998, 0.03, 0.2, 30.2, null, null, 4096,
                                histogram(10, 4000), null)),
                List.of(new TensorReport("m.model.embed_tokens.weight", "int4", "GatherBlockQuantized", 4, 32, 1_048_576,
                        2_097_152, 327_680, 22.9, null),
                        new TensorReport(HOSTILE, "int8", "MatMulNBits(bits=8)", 8, 32, 65_536, 131_072, 69_632, 40.1, null)),
                null, new FidelityReport.EvaluationInfo("text", 24, List.of("input_ids int64 [1,128] from eval.txt"),
                new FidelityReport.TextInfo("eval.txt", "c".repeat(64), 59035, 24, 128)),
                7, Map.of("graph_optimization_level", "ORT_ENABLE_ALL"), new FidelityReport.Versions("0.1.0", "1.29.0", "25"),
                List.of(new FidelityReport.StepTiming("read", 3)), List.of("auto: target KL 0.0100 met"),
                List.of(new TensorSensitivity(HOSTILE, "int8", 8, 0.012), new TensorSensitivity("m.lm_head", "int4", 4, 0.004),
                        new TensorSensitivity("m.model.embed_tokens.weight", "int4", 4, 3e-6)),
                new FidelityReport.ModelInfo("decoder-lm", "subgraph", 4, 4, 2, 64, 4096L, false, "logits", List.of()),
                new FidelityReport.LanguageModelFidelity("logits", "text", 24, 128, 32, prefill, decode,
                        List.of(new FidelityReport.ReferenceBand("Q8_0", 0.000369, 0.001355, 0.97674, 0.98846))),
                new FidelityReport.TextInfo("cal.txt", "d".repeat(64), 89173, 64, 128), null, null, null,
                List.of(new AutoCandidate("all int4", 3_300_000, 0.163, 0.990, 0.012, false, false),
                        new AutoCandidate("all int8", 5_300_000, 0.26, 0.999, 0.0002, true, false),
                        new AutoCandidate("2 most sensitive of 8 tensors in int8, the rest int4", 3_400_000, 0.168, 0.995,
                                0.0035, true, true)));
    }

    static FidelityReport encoder() {
        return new FidelityReport(FidelityReport.SCHEMA_VERSION, "int4", CompressionOptions.defaults(), "e".repeat(64),
                "f".repeat(64), false, new FidelityReport.Sizes(90_387_606, 14_517_895, 0.1606, 90_000_000, 14_000_000), 5.1,
                List.of(new OutputFidelity("last_hidden_state", 0.9894, 0.9302, 0.12, 1.4, 18.3, null, null, 256,
                        histogram(14, 256), null)),
                List.of(new TensorReport(HOSTILE, "int4", "MatMulNBits", 4, 32, 147_456, 589_824, 92_160, 21.0, null)),
                new FidelityReport.Latency(4.1, 4.0, 0.97, 20, "CPU"),
                new FidelityReport.EvaluationInfo("synthesised", 8, List.of("input_ids int64 [1,32]: token ids uniform")),
                7, Map.of(), new FidelityReport.Versions("0.1.0", "1.29.0", "25"), List.of(), List.of(),
                List.of(new TensorSensitivity(HOSTILE, "int4", 4, 0.0021)), null, null, null);
    }
}
