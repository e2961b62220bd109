package com.modelpress.cli;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.StepTiming;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.contracts.FidelityVerdict;

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
        verdict(text, report);
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

        model(text, report.model());
        text.append(System.lineSeparator());
        languageModel(text, report);
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

    /**
     * The verdict first, with what decided it: the worst output's (or next-token phase's) metrics against the bands of
     * {@link FidelityVerdict}.
     */
    static void verdict(StringBuilder text, FidelityReport report) {
        FidelityVerdict verdict = FidelityVerdict.of(report.outputs(), report.languageModel());
        String decided = verdict.basis().stream().filter(b -> b.endsWith("→ " + report.verdict())).findFirst()
                .orElse(String.join("; ", verdict.basis()));
        line(text, "verdict: %s (%s)", report.verdict().toUpperCase(Locale.ROOT), decided);
    }

    /** One line on what the engine recognised, for language models. */
    private static void model(StringBuilder text, FidelityReport.ModelInfo model) {
        if (model == null || !(model.kind().equals("decoder-lm") || model.kind().equals("encoder"))) {
            return;
        }
        List<String> parts = new ArrayList<>();
        if (model.layers() != null) {
            parts.add(model.layers() + " layers");
        }
        if (model.heads() != null || model.kvHeads() != null) {
            String heads = (model.heads() == null ? "?" : model.heads().toString()) + " heads";
            if (model.kvHeads() != null && !model.kvHeads().equals(model.heads())) {
                heads += " (" + model.kvHeads() + " KV heads)";
            }
            parts.add(heads + (model.headDim() == null ? "" : " of " + model.headDim()));
        }
        if (model.vocabulary() != null) {
            parts.add("vocabulary " + model.vocabulary() + (model.tiedEmbeddings() ? ", tied embeddings" : ""));
        }
        if (model.attention() != null) {
            parts.add("attention: " + model.attention());
        }
        parts.add(model.kvCache().isEmpty() ? "no KV cache"
                : "KV cache: " + model.kvCache().size() + " inputs (" + model.kvCache().getFirst().input() + " -> "
                        + model.kvCache().getFirst().output() + ", …)");
        line(text, "  model    %s: %s", model.kind(), String.join(", ", parts));
    }

    /**
     * The next-token table of a decoder LM with the llama.cpp levels beside it, as {@link #render} shows it: what
     * {@code status} and {@code wait} print for a job. Empty when the report has no language-model metrics.
     */
    static String nextTokenTable(FidelityReport report) {
        StringBuilder text = new StringBuilder();
        languageModel(text, report);
        return text.toString();
    }

    /** The next-token table of a decoder LM, with the llama.cpp levels beside it. */
    private static void languageModel(StringBuilder text, FidelityReport report) {
        FidelityReport.LanguageModelFidelity lm = report.languageModel();
        if (lm == null) {
            return;
        }
        FidelityReport.TextInfo eval = report.evaluation().text();
        String on = eval != null
                ? "%d windows of %d tokens from %s".formatted(lm.windows(), lm.context(), eval.file())
                : "%d %s windows of %d tokens".formatted(lm.windows(), lm.source(), lm.context());
        line(text, "next-token fidelity of '%s' on %s%s:", lm.logitsOutput(), on,
                lm.decodeSteps() > 0 ? ", then %d decode steps each".formatted(lm.decodeSteps()) : "");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("phase", "tokens", "PPL orig", "PPL comp", "ln ratio", "KL mean", "KL median", "KL p99",
                "KL max", "same top-1", "top-5", "RMS dp", "like"));
        phase(rows, "prefill", lm.prefill());
        phase(rows, "decode", lm.decode());
        List<Boolean> rightAligned = new ArrayList<>();
        rows.getFirst().forEach(column -> rightAligned.add(!column.equals("phase") && !column.equals("like")));
        table(text, rows, "  ", rightAligned);
        line(text, "  llama.cpp mean KL / same top-1 (LLaMA 2 7B and 3 8B vs fp16, wikitext-2): %s",
                lm.bands().stream().map(b -> "%s %s-%s / %s-%s%%".formatted(b.name(), general(b.klMeanLow()),
                        general(b.klMeanHigh()), fixed(b.sameTop1Low() * 100, 1), fixed(b.sameTop1High() * 100, 1)))
                        .collect(Collectors.joining(", ")));
        if (report.calibrationText() != null) {
            FidelityReport.TextInfo calibration = report.calibrationText();
            line(text, "  calibrated on %d %s of %s (sha256 %s…); evaluated on %s (sha256 %s…)", calibration.windows(),
                    report.model() != null && report.model().kind().equals("decoder-lm") ? "windows" : "lines",
                    calibration.file(), calibration.sha256().substring(0, 12), eval == null ? "synthesised samples"
                            : eval.file(), eval == null ? "-" : eval.sha256().substring(0, 12));
        }
        text.append(System.lineSeparator());
    }

    private static void phase(List<List<String>> rows, String name, FidelityReport.NextTokenFidelity phase) {
        if (phase == null) {
            return;
        }
        rows.add(List.of(name, Long.toString(phase.positions()), optional(phase.perplexityOriginal(), 3),
                optional(phase.perplexityCompressed(), 3), phase.lnPerplexityRatio() == null ? "-"
                        : String.format(Locale.ROOT, "%.5f", phase.lnPerplexityRatio()),
                general(phase.klMean()), general(phase.klMedian()), general(phase.klP99()), general(phase.klMax()),
                fixed(phase.sameTop1() * 100, 1) + "%", fixed(phase.top5Overlap() * 100, 1) + "%",
                phase.rmsDeltaP() == null ? "-" : fixed(phase.rmsDeltaP() * 100, 2) + "%", phase.band()));
    }

    private static String optional(Double value, int significant) {
        return value == null ? "-" : String.format(Locale.ROOT, "%." + significant + "g", value);
    }

    private static void fidelity(StringBuilder text, FidelityReport report) {
        FidelityReport.EvaluationInfo info = report.evaluation();
        if (info.source().equals("synthesised")) {
            line(text, "fidelity on %d synthesised samples (seed %d):", info.samples(), report.seed());
        } else if (info.text() != null) {
            line(text, "fidelity on %d samples from %s:", info.samples(), info.text().file());
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
        FidelityReport.SentenceEmbeddingFidelity sentences = report.sentenceEmbeddings();
        if (sentences != null) {
            line(text, "  sentence embeddings of %s (%d): mean-pooled cos mean %s min %s, [CLS] cos mean %s min %s",
                    sentences.output(), sentences.sentences(), fixed(sentences.meanPooledCosineMean(), 6),
                    fixed(sentences.meanPooledCosineMin(), 6), fixed(sentences.clsCosineMean(), 6),
                    fixed(sentences.clsCosineMin(), 6));
        }
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
