package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.StepTiming;
import com.modelpress.contracts.FidelityReport.TensorReport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class ReportSummaryTest {

    static final FidelityReport.Sizes SIZES = new FidelityReport.Sizes(90_400_000, 23_000_000, 0.2544, 86_700_000, 21_800_000);

    @Test
    void showsSizesFidelityLatencyTensorsStepsAndNotes() {
        FidelityReport report = report(
                List.of(new OutputFidelity("logits", 0.9991234, 0.98, 0.0421, 0.1834, 27.46, 0.975, 0.00123, 256),
                        new OutputFidelity("pooled", 0.9999, 0.9990, 0.01, 0.02, 40.0, null, null, 8)),
                List.of(compressed("a"), compressed("b"), kept("c", "stored as int64, not float32"),
                        kept("d", "excluded by option"), kept("e", "excluded by option")),
                new FidelityReport.Latency(12.345, 9.8765, 0.8, 20, "CPU"));

        String text = new ReportSummary(Path.of("model.onnx"), Path.of("out/model-int8.onnx"), Path.of("out/model-int8.report.json"))
                .render(report);

        assertThat(text).contains("int8: model.onnx in 6.2 s")
                .containsPattern("input +model.onnx +90.4 MB")
                .containsPattern("output +out/model-int8.onnx +23.0 MB +ratio 0.254 \\(3.93x smaller\\)")
                .contains("weights  86.7 MB -> 21.8 MB, 7.95 bits per weight")
                .contains("fidelity on 8 synthesised samples (seed 7):")
                .containsPattern("output +vectors +cos mean +cos min +rel L2 +max abs +SQNR dB +top-1 +KL")
                .containsPattern("logits +256 +0.999123 +0.980000 +0.0421 +0.183 +27.5 +97.5% +0.00123")
                .containsPattern("pooled +8 +0.999900 +0.999000 +0.0100 +0.0200 +40.0 +- +-")
                .contains("  inputs  input_ids int64 [1,128]: token ids\n          symbolic dimensions: batch=1\n")
                .contains("latency (CPU, median of 20 runs): original 12.3 ms, compressed 9.88 ms (0.80x the time)")
                .contains("tensors: 2 compressed (2 int8 DequantizeLinear(axis=1)), 3 kept")
                .contains("  kept 2: excluded by option\n  kept 1: stored as int64, not float32")
                .contains("slowest steps: evaluate 4.2 s, compress+write 1.9 s, read 120 ms")
                .contains("notes:\n  - 64 tensors under 1024 elements left as they are")
                .endsWith("report: out/model-int8.report.json\n");
    }

    @Test
    void leavesOutLogitColumnsAndLatencyWhenAbsentAndCapsKeptReasons() {
        FidelityReport report = report(
                List.of(new OutputFidelity("embedding", 0.99, 0.98, 0.1, 0.2, 20.0, null, null, 8)),
                List.of(kept("a", "r1"), kept("b", "r2"), kept("c", "r3"), kept("d", "r4"), kept("e", "r4")),
                null);

        String text = new ReportSummary(Path.of("in.onnx"), Path.of("out.onnx"), null).render(report);

        assertThat(text).doesNotContain("top-1").doesNotContain("KL")
                .contains("latency: not measured")
                .contains("  kept 2: r4\n  kept 1: r1\n  kept 1: r2\n  and 1 more reason: see the report")
                .contains("report: not written");
    }

    @Test
    void formatsSizesInDecimalUnits() {
        assertThat(ReportSummary.bytes(999)).isEqualTo("999 B");
        assertThat(ReportSummary.bytes(16_522)).isEqualTo("16.5 KB");
        assertThat(ReportSummary.bytes(90_400_000)).isEqualTo("90.4 MB");
        assertThat(ReportSummary.bytes(2_500_000_000L)).isEqualTo("2.50 GB");
        assertThat(ReportSummary.duration(999)).isEqualTo("999 ms");
        assertThat(ReportSummary.duration(61_000)).isEqualTo("61.0 s");
    }

    private static FidelityReport report(List<OutputFidelity> outputs, List<TensorReport> tensors,
                                         FidelityReport.Latency latency) {
        return new FidelityReport(FidelityReport.SCHEMA_VERSION, "int8", CompressionOptions.defaults(), "in-sha", "out-sha",
                false, SIZES, 7.95, outputs, tensors, latency,
                new FidelityReport.EvaluationInfo("synthesised", 8, List.of("input_ids int64 [1,128]: token ids", "symbolic dimensions: batch=1")),
                7, Map.of("execution_provider", "CPU"), new FidelityReport.Versions("0.1.0", "1.29.0", "25"),
                List.of(new StepTiming("read", 120), new StepTiming("compress+write", 1_900), new StepTiming("evaluate", 4_200)),
                List.of("64 tensors under 1024 elements left as they are"));
    }

    private static TensorReport compressed(String name) {
        return new TensorReport(name, "int8", "DequantizeLinear(axis=1)", 8, null, 4096, 16_384, 4_160, 40.0, null);
    }

    private static TensorReport kept(String name, String reason) {
        return new TensorReport(name, "kept", null, 32, null, 4096, 16_384, 16_384, null, reason);
    }
}
