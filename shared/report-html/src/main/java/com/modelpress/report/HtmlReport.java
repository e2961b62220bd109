package com.modelpress.report;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.LanguageModelFidelity;
import com.modelpress.contracts.FidelityReport.NextTokenFidelity;
import com.modelpress.contracts.FidelityReport.OutputFidelity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A {@link FidelityReport} as one HTML page a person reads: the verdict and headline numbers first, then the
 * distributions behind them as inline SVG charts (per-tensor sensitivity, per-vector 1 − cosine and KL, size against
 * fidelity of every {@code auto} candidate, next-token KL and same top-1 by position for language models), and last
 * the inputs, settings and versions that reproduce it.
 *
 * <p>The page is self-contained and inert: no script, no external stylesheet, font, image or link; its
 * Content-Security-Policy (in a {@code meta} element, and for servers as {@link #CONTENT_SECURITY_POLICY}) allows
 * nothing but its own stylesheet. Every value from the report or the {@link ReportSubject} is escaped; the markup is
 * well-formed XML as well as HTML. Components of the report this class does not know (added by a newer engine) are
 * shown generically under "More in this report". Thread-safe: no state.
 */
public final class HtmlReport {

    /** The stylesheet; its hash is the only source {@link #CONTENT_SECURITY_POLICY} allows. */
    static final String STYLE = """
            :root{color-scheme:light;--ink:#1d2330;--muted:#5d6677;--line:#d9dde5;--panel:#f6f7f9;--accent:#2f5bd3}
            *{box-sizing:border-box}
            body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:#fff}
            main{max-width:1040px;margin:0 auto;padding:24px 20px 48px}
            h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;padding-top:10px;border-top:1px solid var(--line)}
            h3{font-size:15px;margin:18px 0 6px}
            .subtitle{color:var(--muted);margin:0 0 18px;word-break:break-all}
            .muted{color:var(--muted);font-size:13px}
            .verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;font-size:18px;margin:6px 0 4px;background:#e8eaee}
            .verdict.lossless{background:#d7f2df;color:#145c2c}.verdict.close{background:#e2efd9;color:#2f5e12}
            .verdict.degraded{background:#fdebc8;color:#7a4b00}.verdict.broken{background:#fbd5d5;color:#8a1111}
            .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(185px,1fr));gap:10px;margin:14px 0}
            .card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
            .card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
            .card .big{font-size:22px;font-weight:650;margin:2px 0}.card .detail{color:var(--muted);font-size:12.5px}
            table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
            th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            table.facts th{color:var(--muted);font-weight:500;white-space:nowrap}
            table.facts td{word-break:break-all}
            .scroll{overflow-x:auto;max-width:100%}
            .grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}
            figure{margin:8px 0 14px}figcaption{font-size:13px;color:var(--muted);margin-top:2px;word-break:break-all}
            svg.chart{width:100%;height:auto;display:block;font-family:inherit}
            svg .axis{stroke:#7a8291;stroke-width:1}svg .grid{stroke:#e6e8ed;stroke-width:1}
            svg .tick{font-size:10.5px;fill:#5d6677}svg .label{font-size:11px;fill:#1d2330}
            svg .value{font-size:10.5px;fill:#1d2330}svg .axis-label{font-size:11.5px;fill:#3b4352}
            svg .hist{fill:#5477d6}svg .end{fill:#9aa3b3}svg .agree{fill:#4f9a6a}
            .m-int4{fill:#e07b39;background:#e07b39}.m-int8{fill:#3f6fd8;background:#3f6fd8}
            .m-fp16{fill:#3a9d5d;background:#3a9d5d}.m-int2{fill:#b8407a;background:#b8407a}.m-other{fill:#8a93a3;background:#8a93a3}
            svg .point{stroke:#1d2330;stroke-width:1}svg .meets{fill:#3a9d5d}svg .misses{fill:#fff}
            svg .chosen{fill:none;stroke:#2f5bd3;stroke-width:2.5}
            .legend{font-size:12.5px;color:var(--muted);margin:2px 0 8px}.key{margin-right:14px;white-space:nowrap}
            .swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
            .swatch.meets{background:#3a9d5d}.swatch.misses{background:#fff;border:1px solid #1d2330}
            .swatch.ring{background:#fff;border:2px solid #2f5bd3;border-radius:50%}
            details>summary{cursor:pointer;color:var(--accent)}
            ul.notes{font-size:13.5px;padding-left:20px}ul.notes li{margin:2px 0;word-break:break-word}
            footer{margin-top:36px;color:var(--muted);font-size:12px}
            @media (max-width:560px){main{padding:14px 10px}.card .big{font-size:19px}}
            @media print{h2{break-after:avoid}figure{break-inside:avoid}}
            """;

    /**
     * The policy the page carries and a server should send with it: nothing may load, not even from the page's own
     * origin, and the only style allowed is the page's own stylesheet. Servers add what a {@code meta} element cannot
     * say ({@code frame-ancestors}, {@code sandbox}).
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src '" + sha256(STYLE)
            + "'; img-src 'none'; base-uri 'none'; form-action 'none'";

    /** Outputs whose per-vector histograms are drawn; the table lists every output. */
    static final int MAX_OUTPUT_CHARTS = 12;
    /** Rows of the per-tensor table. */
    static final int MAX_TENSOR_ROWS = 2000;

    /** Components this page shows in their own places; any other is shown generically. */
    private static final Set<String> SHOWN = Set.of("schemaVersion", "method", "options", "inputSha256", "outputSha256",
            "nothingToCompress", "sizes", "bitsPerWeight", "outputs", "tensors", "latency", "evaluation", "seed",
            "sessionOptions", "versions", "timings", "notes", "sensitivity", "model", "languageModel", "calibrationText",
            "autoCandidates", "verdict");

    private HtmlReport() {
    }

    /** The page for {@code report}; {@code subject} titles it and adds facts to its inputs. */
    public static String render(FidelityReport report, ReportSubject subject) {
        Html html = new Html();
        html.markup("<!DOCTYPE html>\n");
        html.open("html", "lang", "en").open("head");
        html.empty("meta", "charset", "utf-8");
        html.empty("meta", "http-equiv", "Content-Security-Policy", "content", CONTENT_SECURITY_POLICY);
        html.empty("meta", "name", "viewport", "content", "width=device-width, initial-scale=1");
        html.empty("meta", "name", "referrer", "content", "no-referrer");
        html.element("title", "Fidelity report: " + subject.title());
        html.open("style").markup(STYLE).close("style");
        html.close("head").open("body").open("main");

        html.element("h1", "Fidelity report");
        html.element("p", subject.title(), "class", "subtitle");
        verdict(html, report);
        headline(html, report);
        outputsTable(html, report.outputs());
        LanguageModelFidelity lm = report.languageModel();
        if (lm != null) {
            languageModel(html, lm);
        }
        perVector(html, report, lm != null);
        sensitivity(html, report);
        autoSearch(html, report);
        tensors(html, report);
        notes(html, report.notes());
        reproduce(html, report, subject);
        more(html, report);
        html.open("footer").text("Written by ModelPress %s from the fidelity report (schema %d). The JSON report holds every number."
                .formatted(report.versions() == null ? "" : report.versions().engine(), report.schemaVersion())).close("footer");
        html.close("main").close("body").close("html");
        return html.toString();
    }

    /** The verdict, when the report has one: a word the page leads with, and whatever the verdict says beside it. */
    static void verdict(Html html, Record report) {
        Fields.component(report, "verdict").ifPresent(verdict -> {
            String word;
            Object details = null;
            if (Fields.scalar(verdict)) {
                word = String.valueOf(verdict);
            } else {
                List<Fields.Field> fields = Fields.of(verdict);
                Fields.Field first = fields.stream().filter(f -> f.value() instanceof CharSequence || f.value() instanceof Enum<?>)
                        .findFirst().orElse(null);
                word = first == null ? "verdict" : String.valueOf(first.value());
                Map<String, Object> rest = new LinkedHashMap<>();
                fields.stream().filter(f -> f != first && f.value() != null).forEach(f -> rest.put(f.name(), f.value()));
                details = rest.isEmpty() ? null : rest;
            }
            String level = word.toLowerCase(Locale.ROOT);
            html.open("div", "class", "verdict " + (Set.of("lossless", "close", "degraded", "broken").contains(level)
                    ? level : "other"), "role", "status").text("Verdict: " + word).close("div");
            if (details != null) {
                Fields.draw(html, details);
            }
        });
    }

    private static void headline(Html html, FidelityReport report) {
        html.open("div", "class", "cards");
        FidelityReport.Sizes sizes = report.sizes();
        card(html, "Size", Format.percent(sizes.ratio()),
                "of the original: %s → %s · %s bits/weight".formatted(Format.bytes(sizes.originalBytes()), Format.bytes(sizes.compressedBytes()),
                        Format.fixed(report.bitsPerWeight(), 2)));
        card(html, "Method", report.method(), methodDetail(report));
        if (report.nothingToCompress()) {
            card(html, "Nothing compressed", "copy", "no tensor qualified; the output is the input");
        }
        LanguageModelFidelity lm = report.languageModel();
        if (lm != null && lm.prefill() != null) {
            NextTokenFidelity prefill = lm.prefill();
            card(html, "KL mean (prefill)", Format.small(prefill.klMean()), "band %s · p99 %s".formatted(prefill.band(),
                    Format.small(prefill.klP99())));
            card(html, "Same top-1", Format.percent(prefill.sameTop1()), "top-5 overlap " + Format.percent(prefill.top5Overlap()));
            if (prefill.perplexityOriginal() != null) {
                card(html, "Perplexity", "%s → %s".formatted(Format.fixed(prefill.perplexityOriginal(), 2),
                                Format.fixed(prefill.perplexityCompressed(), 2)),
                        "ln(PPL ratio) " + Format.small(prefill.lnPerplexityRatio()));
            }
            if (lm.decode() != null) {
                card(html, "KL mean (decode)", Format.small(lm.decode().klMean()), "%d decode positions · band %s"
                        .formatted(lm.decode().positions(), lm.decode().band()));
            }
        }
        report.outputs().stream().min(Comparator.comparingDouble(OutputFidelity::cosineMean)).ifPresent(worst ->
                card(html, "Cosine (worst output)", Format.fixed(worst.cosineMean(), 5),
                        "%s · min %s over %d vectors".formatted(worst.name(), Format.fixed(worst.cosineMin(), 4), worst.vectors())));
        report.outputs().stream().min(Comparator.comparingDouble(OutputFidelity::sqnrDb)).ifPresent(worst ->
                card(html, "SQNR (worst output)", Format.fixed(worst.sqnrDb(), 1) + " dB", worst.name()));
        if (lm == null) {
            report.outputs().stream().filter(o -> o.klDivergence() != null).findFirst().ifPresent(o ->
                    card(html, "KL / top-1", Format.small(o.klDivergence()), "%s · same top-1 %s".formatted(o.name(),
                            o.top1Agreement() == null ? "—" : Format.percent(o.top1Agreement()))));
        }
        if (report.latency() != null) {
            card(html, "Latency", Format.fixed(report.latency().ratio(), 2) + "×", "%s ms → %s ms · %s".formatted(
                    Format.fixed(report.latency().originalMedianMs(), 2), Format.fixed(report.latency().compressedMedianMs(), 2),
                    report.latency().executionProvider()));
        }
        html.close("div");
        report.notes().stream().filter(n -> n.startsWith("auto: target")).forEach(n -> html.element("p", n));
    }

    private static String methodDetail(FidelityReport report) {
        List<String> parts = new ArrayList<>();
        Map<String, Long> byMethod = new LinkedHashMap<>();
        report.tensors().forEach(t -> byMethod.merge(t.method(), 1L, Long::sum));
        byMethod.forEach((method, count) -> parts.add(count + " " + method));
        return parts.isEmpty() ? "no tensors" : String.join(" · ", parts) + " tensors";
    }

    private static void card(Html html, String label, String big, String detail) {
        html.open("div", "class", "card").element("div", label, "class", "label").element("div", big, "class", "big")
                .element("div", detail, "class", "detail").close("div");
    }

    private static void outputsTable(Html html, List<OutputFidelity> outputs) {
        html.element("h2", "Outputs", "id", "outputs");
        if (outputs.isEmpty()) {
            html.element("p", "No float output was compared.", "class", "muted");
            return;
        }
        html.open("div", "class", "scroll").open("table").open("thead").open("tr");
        for (String column : List.of("output", "cosine mean", "cosine min", "relative L2", "max abs error", "SQNR dB",
                "top-1", "KL mean", "vectors")) {
            html.element("th", column, "scope", "col");
        }
        html.close("tr").close("thead").open("tbody");
        for (OutputFidelity output : outputs) {
            html.open("tr").element("td", output.name());
            numbers(html, Format.fixed(output.cosineMean(), 6), Format.fixed(output.cosineMin(), 6),
                    Format.small(output.relativeL2()), Format.small(output.maxAbsError()), Format.fixed(output.sqnrDb(), 1),
                    output.top1Agreement() == null ? "—" : Format.percent(output.top1Agreement()),
                    output.klDivergence() == null ? "—" : Format.small(output.klDivergence()), String.valueOf(output.vectors()));
            html.close("tr");
        }
        html.close("tbody").close("table").close("div");
    }

    private static void numbers(Html html, String... values) {
        for (String value : values) {
            html.element("td", value, "class", "num");
        }
    }

    private static void languageModel(Html html, LanguageModelFidelity lm) {
        html.element("h2", "Next-token fidelity", "id", "language-model");
        html.element("p", "%d windows of %d tokens from %s on output %s, then %d decode steps each; KL(original ‖ compressed) in nats."
                .formatted(lm.windows(), lm.context(), lm.source(), lm.logitsOutput(), lm.decodeSteps()), "class", "muted");
        html.open("div", "class", "scroll").open("table").open("thead").open("tr");
        for (String column : List.of("phase", "positions", "PPL original", "PPL compressed", "ln(PPL ratio)", "KL mean",
                "KL median", "KL p99", "KL max", "same top-1", "top-5 overlap", "RMS Δp", "band")) {
            html.element("th", column, "scope", "col");
        }
        html.close("tr").close("thead").open("tbody");
        phaseRow(html, "prefill", lm.prefill());
        phaseRow(html, "decode", lm.decode());
        html.close("tbody").close("table").close("div");
        if (!lm.bands().isEmpty()) {
            html.element("p", "llama.cpp's levels for reference (LLaMA 2 7B / LLaMA 3 8B against fp16): " + String.join("; ",
                    lm.bands().stream().map(b -> "%s KL mean %s–%s, same top-1 %s–%s".formatted(b.name(),
                            Format.small(b.klMeanLow()), Format.small(b.klMeanHigh()), Format.percent(b.sameTop1Low()),
                            Format.percent(b.sameTop1High()))).toList()), "class", "muted");
        }
        html.element("h3", "KL divergence of every next-token distribution");
        html.open("div", "class", "grid2");
        for (var phase : phases(lm)) {
            if (phase.stats().klHistogram() != null) {
                figure(html, "KL, " + phase.name() + " (" + phase.stats().positions() + " positions)",
                        () -> HistogramChart.draw(html, phase.stats().klHistogram(), "KL", phase.name() + " positions"));
            }
        }
        html.close("div");
        html.element("h3", "Same top-1 by position");
        html.open("div", "class", "grid2");
        for (var phase : phases(lm)) {
            if (phase.stats().sameTop1ByPosition() != null && !phase.stats().sameTop1ByPosition().sameTop1().isEmpty()) {
                String unit = phase.name().equals("prefill") ? "position in the window" : "decode step";
                figure(html, "Same top-1 by " + unit + " (" + phase.name() + ")",
                        () -> PositionChart.draw(html, phase.stats().sameTop1ByPosition(), unit));
            }
        }
        html.close("div");
    }

    private record Phase(String name, NextTokenFidelity stats) {}

    private static List<Phase> phases(LanguageModelFidelity lm) {
        List<Phase> phases = new ArrayList<>();
        if (lm.prefill() != null) {
            phases.add(new Phase("prefill", lm.prefill()));
        }
        if (lm.decode() != null) {
            phases.add(new Phase("decode", lm.decode()));
        }
        return phases;
    }

    private static void phaseRow(Html html, String phase, NextTokenFidelity stats) {
        if (stats == null) {
            return;
        }
        html.open("tr").element("td", phase);
        numbers(html, String.valueOf(stats.positions()), optional(stats.perplexityOriginal(), 3),
                optional(stats.perplexityCompressed(), 3),
                stats.lnPerplexityRatio() == null ? "—" : Format.small(stats.lnPerplexityRatio()), Format.small(stats.klMean()),
                Format.small(stats.klMedian()), Format.small(stats.klP99()), Format.small(stats.klMax()),
                Format.percent(stats.sameTop1()), Format.percent(stats.top5Overlap()),
                stats.rmsDeltaP() == null ? "—" : Format.small(stats.rmsDeltaP()), stats.band());
        html.close("tr");
    }

    private static String optional(Double value, int digits) {
        return value == null ? "—" : Format.fixed(value, digits);
    }

    private static void perVector(Html html, FidelityReport report, boolean languageModel) {
        List<OutputFidelity> drawn = report.outputs().stream().filter(o -> o.cosineLossHistogram() != null).toList();
        html.element("h2", "Per-vector fidelity", "id", "per-vector");
        if (drawn.isEmpty()) {
            html.element("p", "This report holds summaries only (written before the engine kept distributions).", "class", "muted");
            return;
        }
        html.element("p", "Each output is compared vector by vector along its last axis; 1 − cosine of 0 is an exact match."
                + (languageModel ? " The next-token KL of the logits is above." : ""), "class", "muted");
        html.open("div", "class", "grid2");
        for (OutputFidelity output : drawn.stream().limit(MAX_OUTPUT_CHARTS).toList()) {
            figure(html, "1 − cosine, " + output.name(),
                    () -> HistogramChart.draw(html, output.cosineLossHistogram(), "1 − cosine", "vectors of " + output.name()));
            if (!languageModel && output.klHistogram() != null) {
                figure(html, "KL, " + output.name(),
                        () -> HistogramChart.draw(html, output.klHistogram(), "KL", "vectors of " + output.name()));
            }
        }
        html.close("div");
        if (drawn.size() > MAX_OUTPUT_CHARTS) {
            html.element("p", "%d more outputs are in the table above.".formatted(drawn.size() - MAX_OUTPUT_CHARTS), "class", "muted");
        }
    }

    private static void sensitivity(Html html, FidelityReport report) {
        html.element("h2", "Per-tensor sensitivity", "id", "sensitivity");
        if (report.sensitivity().isEmpty()) {
            html.element("p", "Not measured for this report (it costs one scoring run per tensor; on by default in compress).",
                    "class", "muted");
            return;
        }
        html.element("p", "1 − the worst output's mean cosine of the model with only that tensor compressed, as in this "
                + "model; the rest as in the original.", "class", "muted");
        figure(html, "Most sensitive tensors first", () -> SensitivityChart.draw(html, report.sensitivity()));
    }

    private static void autoSearch(Html html, FidelityReport report) {
        if (report.autoCandidates().isEmpty()) {
            return;
        }
        html.element("h2", "auto: size against fidelity", "id", "auto");
        figure(html, "Every mix auto compressed and scored, numbered in order", () -> CandidateChart.draw(html, report.autoCandidates()));
        Fields.table(html, report.autoCandidates(), Fields.MAX_ROWS, true);
    }

    private static void tensors(Html html, FidelityReport report) {
        html.element("h2", "Tensors", "id", "tensors");
        html.open("details").element("summary", "%d weight tensors: how each is stored".formatted(report.tensors().size()));
        Fields.table(html, report.tensors(), MAX_TENSOR_ROWS, false);
        html.close("details");
    }

    private static void notes(Html html, List<String> notes) {
        if (notes.isEmpty()) {
            return;
        }
        html.element("h2", "Notes", "id", "notes").open("ul", "class", "notes");
        notes.forEach(note -> html.element("li", note));
        html.close("ul");
    }

    /** Inputs, settings and versions: enough to run the same compression again and get the same numbers. */
    private static void reproduce(Html html, FidelityReport report, ReportSubject subject) {
        html.element("h2", "Inputs, settings and versions", "id", "reproduce");
        html.open("table", "class", "facts");
        subject.facts().forEach((name, value) -> fact(html, name, value));
        fact(html, "input SHA-256", report.inputSha256());
        fact(html, "output SHA-256", report.outputSha256());
        fact(html, "method", report.method());
        fact(html, "options", report.options());
        fact(html, "seed", report.seed());
        fact(html, "evaluation", report.evaluation());
        if (report.calibrationText() != null) {
            fact(html, "calibration text", report.calibrationText());
        }
        if (report.model() != null) {
            fact(html, "model", report.model());
        }
        fact(html, "sizes", report.sizes());
        if (report.latency() != null) {
            fact(html, "latency", report.latency());
        }
        fact(html, "session options", report.sessionOptions());
        fact(html, "versions", report.versions());
        fact(html, "timings", String.join(", ", report.timings().stream()
                .map(t -> "%s %d ms".formatted(t.step(), t.millis())).toList()));
        html.close("table");
    }

    private static void fact(Html html, String name, Object value) {
        html.open("tr").element("th", name, "scope", "row").open("td");
        Fields.draw(html, value);
        html.close("td").close("tr");
    }

    /** Components of a newer report this page has no place for yet, shown as they are. */
    static void more(Html html, Record report) {
        List<Fields.Field> unknown = Fields.of(report).stream()
                .filter(f -> !SHOWN.contains(f.name()) && f.value() != null).toList();
        if (unknown.isEmpty()) {
            return;
        }
        html.element("h2", "More in this report", "id", "more");
        html.open("table", "class", "facts");
        unknown.forEach(f -> fact(html, f.name(), f.value()));
        html.close("table");
    }

    private static void figure(Html html, String caption, Runnable chart) {
        html.open("figure");
        chart.run();
        html.element("figcaption", caption);
        html.close("figure");
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
