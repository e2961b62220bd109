package com.modelpress.bench;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.SizeTarget;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.TokenizedText;
import com.modelpress.tokenizer.TextTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Fitting a decoder LM to a size: {@code auto} at several bits per weight (and at sizes relative to the fp16 file)
 * beside uniform int4, on tinylm with its own texts (calibration on {@code cal.txt}, 24 windows × 128 tokens of
 * {@code eval.txt} with 32 decode steps each), and on a larger decoder built in code ({@link SyntheticDecoder}, random
 * weights, synthesised calibration and evaluation). Writes a markdown table and an ASCII plot of mean KL against bits
 * per weight into docs/BENCHMARKS.md (section {@code fit}) and the plot into {@code docs/fit-curve.txt}.
 *
 * <p>Usage: {@code bench/run fit [--model ../shared/models/tinylm] [--points bpw:2.5,bpw:3,size:0.25x,int4,at-int4]
 * [--synthetic true|false] [--max-evaluations 128] [--out docs/BENCHMARKS.md]}. Each point is one compression; the
 * points run one after another, so the numbers do not depend on each other.
 */
public final class FitBench {

    private static final Set<String> OPTIONS = Set.of("model", "points", "synthetic", "max-evaluations", "out", "work");
    private static final List<String> DEFAULT_POINTS = List.of("int4", "at-int4", "bpw:2.5", "bpw:3", "bpw:3.5", "bpw:4",
            "bpw:4.5", "size:0.2x", "size:0.25x", "size:0.35x");

    private FitBench() {
    }

    /** One compression and what it measured. */
    record Row(String model, String point, long bytes, double ratio, double bitsPerWeight, Double klPrefill,
               Double klDecode, Double pplOriginal, Double pplCompressed, Double sameTop1, Double predicted,
               String widths, boolean met, long seconds) {}

    public static void main(String[] args) throws Exception {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        Path tinylm = arguments.path("model", Path.of("../shared/models/tinylm"));
        List<String> points = arguments.list("points", DEFAULT_POINTS);
        boolean synthetic = arguments.list("synthetic", List.of("true")).getFirst().equals("true");
        int evaluations = arguments.positiveInt("max-evaluations", 128);
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        Path work = arguments.path("work", Path.of("/tmp/modelpress-fit"));
        Files.createDirectories(work);

        List<Row> rows = new ArrayList<>();
        TextTokenizer tokenizer = TextTokenizer.read(tinylm.resolve("tokenizer.json"), 128);
        TokenizedText cal = tokenizer.tokenize(tinylm.resolve("cal.txt"));
        TokenizedText eval = tokenizer.tokenize(tinylm.resolve("eval.txt"));
        EvaluationSettings evaluation = new EvaluationSettings(24, 7, null, 0, Map.of()).onText(eval, 24, 128)
                .withDecodeSteps(32);
        CalibrationSettings calibration = CalibrationSettings.onText(cal, 0, 128);
        rows.addAll(run("tinylm (fp16)", tinylm.resolve("model-fp16.onnx"), points, evaluation, calibration, evaluations,
                work));
        if (synthetic) {
            SyntheticDecoder decoder = new SyntheticDecoder(512, 6, 8, 1376, 8192, true);
            Path model = decoder.write(work.resolve("synthetic"), "decoder");
            rows.addAll(run("built decoder (" + decoder.describe() + ")", model, points,
                    new EvaluationSettings(8, 7, null, 0, Map.of()).withDecodeSteps(8),
                    CalibrationSettings.synthesised(7), evaluations, work));
        }
        String plot = plot(rows);
        Files.writeString(out.resolveSibling("fit-curve.txt"), plot);
        Files.createDirectories(out.resolveSibling("images"));
        Files.writeString(out.resolveSibling("images").resolve("fit-curve.svg"), svg(rows));
        BenchmarksDoc.writeSection(out, "fit", "Fitting a decoder to a size (mixed 2/4/8-bit)", body(rows, plot, args));
        System.out.print(body(rows, plot, args));
    }

    private static List<Row> run(String name, Path model, List<String> points, EvaluationSettings evaluation,
                                 CalibrationSettings calibration, int evaluations, Path work) throws IOException {
        List<Row> rows = new ArrayList<>();
        long original = Files.size(model) + (Files.exists(model.resolveSibling(model.getFileName() + ".data"))
                ? Files.size(model.resolveSibling(model.getFileName() + ".data")) : 0);
        Long int4Bytes = null;
        for (String point : points) {
            CompressionMethod method;
            if (point.equals("int4")) {
                method = CompressionMethod.of("int4", CompressionOptions.defaults());
            } else {
                CompressionMethod.Size size;
                if (point.equals("at-int4")) {
                    if (int4Bytes == null) {
                        throw new IllegalArgumentException("at-int4 needs the int4 point before it");
                    }
                    size = new CompressionMethod.Size(SizeTarget.parse(int4Bytes + "B"), null);
                } else if (point.startsWith("bpw:")) {
                    size = new CompressionMethod.Size(null, Double.parseDouble(point.substring(4)));
                } else if (point.startsWith("size:")) {
                    size = new CompressionMethod.Size(SizeTarget.parse(point.substring(5)), null);
                } else {
                    throw new IllegalArgumentException("unknown point '" + point + "'");
                }
                method = CompressionMethod.auto(CompressionOptions.defaults(), null, size, evaluations, null);
            }
            Path output = work.resolve("fit-" + point.replace(':', '-') + ".onnx");
            long start = System.nanoTime();
            System.err.printf("%s: %s%n", name, point);
            FidelityReport report = new ModelCompressor(evaluation, calibration).compress(model, output, method,
                    ProgressListener.NONE);
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            report.notes().stream().filter(n -> n.startsWith("auto")).forEach(n -> System.err.println("  " + n));
            if (point.equals("int4")) {
                int4Bytes = report.sizes().compressedBytes();
            }
            rows.add(row(name, point, report, original, seconds));
            System.err.println("  " + rows.getLast());
            Files.deleteIfExists(output);
            Files.deleteIfExists(output.resolveSibling(output.getFileName() + ".data"));
        }
        return rows;
    }

    private static Row row(String model, String point, FidelityReport report, long original, long seconds) {
        var lm = report.languageModel();
        var prefill = lm == null ? null : lm.prefill();
        var decode = lm == null ? null : lm.decode();
        FidelityReport.SizeFit fit = report.auto() == null ? null : report.auto().fit();
        String widths = "";
        if (fit != null) {
            java.util.Map<String, Integer> census = new java.util.TreeMap<>();
            fit.widths().forEach(w -> census.merge(w.bits() == 16 ? "16" : w.bits() + "/" + w.blockSize(), 1, Integer::sum));
            widths = census.toString();
        }
        return new Row(model, point, report.sizes().compressedBytes(), (double) report.sizes().compressedBytes() / original,
                report.bitsPerWeight(), prefill == null ? null : prefill.klMean(), decode == null ? null : decode.klMean(),
                prefill == null ? null : prefill.perplexityOriginal(), prefill == null ? null : prefill.perplexityCompressed(),
                prefill == null ? null : prefill.sameTop1(), fit == null ? null : fit.predicted(), widths,
                report.auto() == null || report.auto().targetMet(), seconds);
    }

    private static String body(List<Row> rows, String plot, String[] args) {
        StringBuilder body = new StringBuilder();
        body.append("`bench/run fit ").append(String.join(" ", args)).append("`: each row is one compression; `auto` ")
                .append("with `--target-bpw` / `--target-size` mixes 2, 4 and 8 bits (and 16) per tensor by measured KL ")
                .append("(see README, Fit a model to a size). Size is the file plus external data, ratio against the ")
                .append("original file; KL is the mean KL(original ‖ compressed) of next-token distributions on the ")
                .append("evaluation windows (prefill, and decode steps after each window); predicted is the planner's ")
                .append("KL for the chosen plan: that whole plan measured on 8 calibration windows (see README, Fit a model to a size).\n\n");
        body.append("| model | point | bytes | ratio | bits/weight | KL prefill | KL decode | PPL orig → comp | same top-1 | predicted KL | widths (bits/block: tensors) | s |\n");
        body.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
        for (Row row : rows) {
            body.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.2f | %s | %s | %s | %s | %s | %s | %d |%n",
                    row.model(), row.point(), row.bytes(), row.ratio(), row.bitsPerWeight(), number(row.klPrefill()),
                    number(row.klDecode()),
                    row.pplOriginal() == null ? "—" : String.format(Locale.ROOT, "%.1f → %.1f", row.pplOriginal(),
                            row.pplCompressed()),
                    row.sameTop1() == null ? "—" : String.format(Locale.ROOT, "%.1f %%", 100 * row.sameTop1()),
                    number(row.predicted()), row.widths().isEmpty() ? "all 4-bit/32" : row.widths(), row.seconds()));
        }
        body.append("\nMean prefill KL (log scale) against bits per weight:\n\n```\n").append(plot).append("```\n");
        return body.toString();
    }

    private static String number(Double value) {
        return value == null ? "—" : String.format(Locale.ROOT, "%.4g", value);
    }

    /** Mean prefill KL (log scale) against bits per weight, one colour per model, uniform int4 as squares, auto as dots. */
    static String svg(List<Row> rows) {
        List<Row> points = rows.stream().filter(r -> r.klPrefill() != null && r.klPrefill() > 0).toList();
        int width = 640;
        int height = 400;
        int left = 70;
        int bottom = 50;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                width, height));
        if (points.isEmpty()) {
            return svg.append("</svg>\n").toString();
        }
        double minX = Math.floor(points.stream().mapToDouble(Row::bitsPerWeight).min().orElseThrow() * 2) / 2;
        double maxX = Math.ceil(points.stream().mapToDouble(Row::bitsPerWeight).max().orElseThrow() * 2) / 2;
        double minY = Math.floor(points.stream().mapToDouble(r -> Math.log10(r.klPrefill())).min().orElseThrow());
        double maxY = Math.ceil(points.stream().mapToDouble(r -> Math.log10(r.klPrefill())).max().orElseThrow());
        maxX = Math.max(maxX, minX + 0.5);
        maxY = Math.max(maxY, minY + 1);
        double plotWidth = width - left - 20;
        double plotHeight = height - bottom - 30;
        double x0 = minX;
        double x1 = maxX;
        double y0 = minY;
        double y1 = maxY;
        java.util.function.DoubleUnaryOperator px = x -> left + (x - x0) / (x1 - x0) * plotWidth;
        java.util.function.DoubleUnaryOperator py = y -> 30 + (y1 - y) / (y1 - y0) * plotHeight;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"30\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                + "stroke=\"black\"/>%n", left, plotWidth, plotHeight));
        for (double x = minX; x <= maxX + 1e-9; x += 0.5) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>%n",
                    px.applyAsDouble(x), height - bottom + 18, x));
        }
        for (double y = minY; y <= maxY + 1e-9; y += 1) {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">1e%d</text>%n", left,
                    left + plotWidth, py.applyAsDouble(y), py.applyAsDouble(y), left - 6, py.applyAsDouble(y) + 4, (int) y));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">bits per weight</text>%n"
                        + "<text x=\"16\" y=\"%.0f\" transform=\"rotate(-90 16 %.0f)\" text-anchor=\"middle\">mean KL "
                        + "(prefill, log scale)</text>%n", left + plotWidth / 2, height - 12, 30 + plotHeight / 2,
                30 + plotHeight / 2));
        String[] colours = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
        List<String> models = rows.stream().map(Row::model).distinct().toList();
        for (int m = 0; m < models.size(); m++) {
            String colour = colours[m % colours.length];
            String model = models.get(m);
            List<Row> auto = points.stream().filter(r -> r.model().equals(model) && !r.point().equals("int4"))
                    .sorted(java.util.Comparator.comparingDouble(Row::bitsPerWeight)).toList();
            StringBuilder path = new StringBuilder();
            for (Row row : auto) {
                path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f",
                        px.applyAsDouble(row.bitsPerWeight()), py.applyAsDouble(Math.log10(row.klPrefill()))));
            }
            svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\"/>%n", path, colour));
            for (Row row : points.stream().filter(r -> r.model().equals(model)).toList()) {
                double x = px.applyAsDouble(row.bitsPerWeight());
                double y = py.applyAsDouble(Math.log10(row.klPrefill()));
                svg.append(row.point().equals("int4")
                        ? String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/>%n",
                                x - 4, y - 4, colour)
                        : String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>%n", x, y, colour));
            }
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s: auto (dots, line), uniform int4 "
                    + "(square)</text>%n", left + 8, 46 + 16 * m, colour, model.replace("&", "&amp;").replace("<", "&lt;")));
        }
        return svg.append("</svg>\n").toString();
    }

    /** KL (log10, rows) against bits per weight (columns), one letter per model: {@code a} the first, {@code b} … */
    static String plot(List<Row> rows) {
        List<Row> points = rows.stream().filter(r -> r.klPrefill() != null && r.klPrefill() > 0).toList();
        if (points.isEmpty()) {
            return "(no points)\n";
        }
        int width = 56;
        int height = 14;
        double minX = points.stream().mapToDouble(Row::bitsPerWeight).min().orElseThrow();
        double maxX = points.stream().mapToDouble(Row::bitsPerWeight).max().orElseThrow();
        double minY = points.stream().mapToDouble(r -> Math.log10(r.klPrefill())).min().orElseThrow();
        double maxY = points.stream().mapToDouble(r -> Math.log10(r.klPrefill())).max().orElseThrow();
        if (maxX - minX < 1e-9) {
            maxX = minX + 1;
        }
        if (maxY - minY < 1e-9) {
            maxY = minY + 1;
        }
        char[][] grid = new char[height][width];
        for (char[] line : grid) {
            java.util.Arrays.fill(line, ' ');
        }
        List<String> models = rows.stream().map(Row::model).distinct().toList();
        for (Row row : points) {
            int x = (int) Math.round((row.bitsPerWeight() - minX) / (maxX - minX) * (width - 1));
            int y = (int) Math.round((maxY - Math.log10(row.klPrefill())) / (maxY - minY) * (height - 1));
            char mark = (char) ((row.point().startsWith("int4") ? 'A' : 'a') + models.indexOf(row.model()));
            grid[y][x] = mark;
        }
        StringBuilder plot = new StringBuilder();
        for (int y = 0; y < height; y++) {
            double value = Math.pow(10, maxY - (maxY - minY) * y / (height - 1));
            plot.append(String.format(Locale.ROOT, "%9.2e |", value)).append(new String(grid[y]).stripTrailing()).append('\n');
        }
        plot.append("          +").append("-".repeat(width)).append('\n');
        plot.append(String.format(Locale.ROOT, "           %-8.2f%" + (width - 8) + ".2f  bits per weight%n", minX, maxX));
        for (int m = 0; m < models.size(); m++) {
            plot.append(String.format(Locale.ROOT, "           %c = %s (auto), %c = its uniform int4%n", (char) ('a' + m),
                    models.get(m), (char) ('A' + m)));
        }
        return plot.toString();
    }
}
