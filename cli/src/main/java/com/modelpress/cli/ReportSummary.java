package com.modelpress.cli;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.StepTiming;
import com.modelpress.contracts.FidelityReport.TensorReport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The human-readable summary {@code modelpress compress} prints: sizes, per-output fidelity, latency, what
 * happened to the tensors, the slowest steps, notes and where the report went. Numbers are formatted with
 * {@link Locale#ROOT} so that output does not depend on the user's locale.
 *
 * @param input      the input model as the user named it
 * @param output     the output model as the user named it
 * @param reportFile nullable: where the JSON report was written, {@code null} when it was not
 */
record ReportSummary(Path input, Path output, Path reportFile) {

    private static final int SHOWN_REASONS = 3;
    private static final int SHOWN_STEPS = 3;

    String render(FidelityReport report) {
        StringBuilder text = new StringBuilder();
        long totalMillis = report.timings().stream().mapToLong(StepTiming::millis).sum();
        line(text, "%s: %s in %s", report.method(), input.getFileName(), duration(totalMillis));
        FidelityReport.Sizes sizes = report.sizes();
        List<List<String>> files = List.of(
                List.of("input  ", input.toString(), bytes(sizes.originalBytes()), ""),
                List.of("output ", output.toString(), bytes(sizes.compressedBytes()),
                        "ratio %s (%s smaller)".formatted(fixed(sizes.ratio(), 3), times(1 / sizes.ratio()))));
        table(text, files, "  ", List.of(false, false, true, false));
        line(text, "  weights  %s -> %s, %s bits per weight", bytes(sizes.originalWeightBytes()),
                bytes(sizes.compressedWeightBytes()), fixed(report.bitsPerWeight(), 2));
        if (report.nothingToCompress()) {
            line(text, "  nothing was compressed: the output is a copy of the input");
        }

        text.append(System.lineSeparator());
        fidelity(text, report);
        text.append(System.lineSeparator());
        latency(text, report.latency());
        tensors(text, report.tensors());
        steps(text, report.timings());
        if (!report.sensitivity().isEmpty()) {
            line(text, "most sensitive tensors (1 - cosine with only that tensor compressed):");
            report.sensitivity().stream().limit(5).forEach(t -> line(text, "  %-40s %-5s %2d bits  %.2e",
                    t.name(), t.method(), t.bits(), t.cosineLoss()));
        }
        if (!report.notes().isEmpty()) {
            line(text, "notes:");
            report.notes().forEach(note -> line(text, "  - %s", note));
        }
        line(text, reportFile == null ? "report: not written (--no-report)" : "report: " + reportFile);
        return text.toString();
    }

    private static void fidelity(StringBuilder text, FidelityReport report) {
        FidelityReport.EvaluationInfo info = report.evaluation();
        if (info.source().equals("synthesised")) {
            line(text, "fidelity on %d synthesised samples (seed %d):", info.samples(), report.seed());
        } else {
            line(text, "fidelity on %d samples from %s:", info.samples(), info.source());
        }
        if (report.outputs().isEmpty()) {
            line(text, "  no float outputs to compare");
            return;
        }
        boolean logits = report.outputs().stream().anyMatch(o -> o.top1Agreement() != null || o.klDivergence() != null);
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("output", "vectors", "cos mean", "cos min", "rel L2", "max abs", "SQNR dB"));
        if (logits) {
            header.addAll(List.of("top-1", "KL"));
        }
        rows.add(header);
        for (OutputFidelity output : report.outputs()) {
            List<String> row = new ArrayList<>(List.of(output.name(), Long.toString(output.vectors()),
                    fixed(output.cosineMean(), 6), fixed(output.cosineMin(), 6), fixed(output.relativeL2(), 4),
                    general(output.maxAbsError()), fixed(output.sqnrDb(), 1)));
            if (logits) {
                row.add(output.top1Agreement() == null ? "-" : fixed(output.top1Agreement() * 100, 1) + "%");
                row.add(output.klDivergence() == null ? "-" : general(output.klDivergence()));
            }
            rows.add(row);
        }
        List<Boolean> rightAligned = new ArrayList<>();
        header.forEach(column -> rightAligned.add(!column.equals("output")));
        table(text, rows, "  ", rightAligned);
        for (int i = 0; i < info.description().size(); i++) {
            line(text, "  %-8s%s", i == 0 ? "inputs" : "", info.description().get(i));
        }
    }

    private static void latency(StringBuilder text, FidelityReport.Latency latency) {
        if (latency == null) {
            line(text, "latency: not measured (--latency-runs 0)");
            return;
        }
        line(text, "latency (%s, median of %d runs): original %s ms, compressed %s ms (%s the time)",
                latency.executionProvider(), latency.runs(), general(latency.originalMedianMs()),
                general(latency.compressedMedianMs()), times(latency.ratio()));
    }

    private static void tensors(StringBuilder text, List<TensorReport> tensors) {
        List<TensorReport> kept = tensors.stream().filter(t -> t.method().equals("kept")).toList();
        Map<String, Long> encodings = tensors.stream()
                .filter(t -> !t.method().equals("kept"))
                .collect(Collectors.groupingBy(t -> t.method() + " " + Objects.requireNonNullElse(t.encoding(), ""),
                        LinkedHashMap::new, Collectors.counting()));
        String compressedBy = encodings.isEmpty() ? ""
                : encodings.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().strip())
                        .collect(Collectors.joining(", ", " (", ")"));
        line(text, "tensors: %d compressed%s, %d kept", tensors.size() - kept.size(), compressedBy, kept.size());
        Map<String, Long> reasons = kept.stream().collect(Collectors.groupingBy(
                t -> Objects.requireNonNullElse(t.reason(), "no reason given"), Collectors.counting()));
        reasons.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(SHOWN_REASONS)
                .forEach(e -> line(text, "  kept %d: %s", e.getValue(), e.getKey()));
        if (reasons.size() > SHOWN_REASONS) {
            int more = reasons.size() - SHOWN_REASONS;
            line(text, "  and %d more reason%s: see the report", more, more == 1 ? "" : "s");
        }
    }

    private static void steps(StringBuilder text, List<StepTiming> timings) {
        if (timings.isEmpty()) {
            return;
        }
        line(text, "slowest steps: %s", timings.stream()
                .sorted(Comparator.comparingLong(StepTiming::millis).reversed())
                .limit(SHOWN_STEPS)
                .map(t -> t.step() + " " + duration(t.millis()))
                .collect(Collectors.joining(", ")));
    }

    /** Appends rows padded to common column widths; the first row is typically a header. */
    private static void table(StringBuilder text, List<List<String>> rows, String indent, List<Boolean> rightAligned) {
        int columns = rows.getFirst().size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder cells = new StringBuilder(indent);
            for (int c = 0; c < columns; c++) {
                String cell = row.get(c);
                String padding = " ".repeat(widths[c] - cell.length());
                cells.append(rightAligned.get(c) ? padding + cell : cell + padding);
                if (c < columns - 1) {
                    cells.append("  ");
                }
            }
            line(text, "%s", cells.toString().stripTrailing());
        }
    }

    private static void line(StringBuilder text, String format, Object... args) {
        text.append(args.length == 0 ? format : String.format(Locale.ROOT, format, args)).append(System.lineSeparator());
    }

    static String bytes(long bytes) {
        if (bytes < 1_000) {
            return bytes + " B";
        }
        if (bytes < 1_000_000) {
            return fixed(bytes / 1e3, 1) + " KB";
        }
        if (bytes < 1_000_000_000) {
            return fixed(bytes / 1e6, 1) + " MB";
        }
        return fixed(bytes / 1e9, 2) + " GB";
    }

    static String duration(long millis) {
        return millis < 1_000 ? millis + " ms" : fixed(millis / 1e3, 1) + " s";
    }

    private static String times(double factor) {
        return fixed(factor, 2) + "x";
    }

    private static String fixed(double value, int decimals) {
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String general(double value) {
        if (Double.isInfinite(value) || Double.isNaN(value)) {
            return fixed(value, 0);
        }
        return value == 0 ? "0" : String.format(Locale.ROOT, "%.3g", value);
    }
}
