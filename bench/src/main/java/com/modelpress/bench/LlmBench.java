package com.modelpress.bench;

import ai.onnxruntime.OrtEnvironment;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.LanguageModelFidelity;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;
import com.modelpress.engine.evaluation.TokenizedText;
import com.modelpress.tokenizer.TextTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The engine's methods on a real decoder LM ({@code shared/models/tinylm}, fp16 and fp32 exports) beside ONNX
 * Runtime's own {@code MatMulNBitsQuantizer} (RTN symmetric and asymmetric, HQQ, 8 and 2 bits; run from Python), every
 * compressed file scored by the engine's evaluator on the same windows of {@code eval.txt}: perplexity, ln(PPL
 * ratio), KL of next-token distributions at prefill and over decode steps, same top-1; sizes against the original
 * file and bits per weight counted the same way for every row ({@link StoredWeights}). Calibration (GPTQ, auto) runs
 * on {@code cal.txt}. {@code bf16} is tinylm's fp32 export with its weights rounded to bfloat16 in code
 * ({@link Bf16Decoder}).
 *
 * <p>Usage: {@code bench/run llm [--models fp16,fp32,bf16] [--tinylm ../shared/models/tinylm] [--windows 24]
 * [--context 128] [--decode-steps 32] [--auto-kl 0.002,0.005] [--auto-budget SECONDS] [--python PYTHON]
 * [--work bench/target/llm] [--out docs/BENCHMARKS.md]}. Without a Python that has {@code onnxruntime} and
 * {@code onnx} (and {@code torch} for HQQ) the ONNX Runtime rows are left out, said so on the console and in the
 * section; the engine's rows are measured all the same. {@code bench/python/setup-venv.sh} makes such a venv.
 */
public final class LlmBench {

    private static final Set<String> OPTIONS = Set.of("models", "tinylm", "windows", "context", "decode-steps", "auto-kl",
            "auto-budget", "python", "work", "out");
    private static final String EMBEDDING = "m.model.embed_tokens.weight";
    private static final List<String> DEFAULT_MODELS = List.of("fp16", "fp32");

    private LlmBench() {
    }

    /** One row the engine produces: a method, its options and the head's precision. */
    private record Ours(String label, CompressionMethod method, ModelCompressor.Head head, boolean fp16Not) {}

    /** One row ONNX Runtime's quantizer produces: the script's arguments after INPUT OUTPUT. */
    private record Theirs(String label, String file, List<String> arguments) {}

    public static void main(String[] args) throws Exception {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        List<String> models = arguments.list("models", DEFAULT_MODELS);
        Path tinylm = arguments.path("tinylm", Path.of("../shared/models/tinylm"));
        int windows = arguments.positiveInt("windows", 24);
        int context = arguments.positiveInt("context", 128);
        int decodeSteps = arguments.positiveInt("decode-steps", 32);
        List<Double> autoKl = arguments.list("auto-kl", List.of("0.002", "0.005")).stream().map(Double::parseDouble).toList();
        // auto is bounded by its evaluation count, so a row is the same on an idle and on a busy machine; a wall-clock
        // stop only when asked for (a stopped search may miss its target, and its row says so)
        Duration autoBudget = arguments.list("auto-budget", List.of()).isEmpty() ? null
                : Duration.ofSeconds(arguments.positiveInt("auto-budget", 1));
        Path defaultVenv = Path.of("bench/target/ort-venv/bin/python");
        String python = arguments.list("python", List.of(Files.isExecutable(defaultVenv) ? defaultVenv.toString() : "python3"))
                .getFirst();
        Path work = Files.createDirectories(arguments.path("work", Path.of("bench/target/llm")));
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        if (!Files.isRegularFile(tinylm.resolve("model-fp16.onnx"))) {
            System.err.println("tinylm not found in " + tinylm + " (--tinylm DIR: the folder with model-fp16.onnx, "
                    + "model.onnx, tokenizer.json, cal.txt and eval.txt)");
            System.exit(2);
        }

        OrtQuantizer quantizer = OrtQuantizer.probe(python);
        if (quantizer.available()) {
            System.err.println("ONNX Runtime quantizer: " + quantizer.versions());
        } else {
            System.err.println("ONNX Runtime quantizer rows SKIPPED: " + quantizer.problem()
                    + "; the engine's rows are measured anyway (bench/python/setup-venv.sh makes a venv that has it)");
        }

        TokenizedText evalText;
        TokenizedText calText;
        try (TextTokenizer tokenizer = TextTokenizer.read(tinylm.resolve("tokenizer.json"), context)) {
            evalText = tokenizer.tokenize(tinylm.resolve("eval.txt"));
            calText = tokenizer.tokenize(tinylm.resolve("cal.txt"));
        }
        EvaluationSettings evaluation = new EvaluationSettings(windows, 7, null, 0, Map.of())
                .withDecodeSteps(decodeSteps).onText(evalText, windows, context);
        CalibrationSettings calibration = CalibrationSettings.onText(calText, 0, context);

        StringBuilder body = new StringBuilder();
        String command = ("bench/run llm " + String.join(" ", args)).strip();
        body.append(RunDescription.current(OrtEnvironment.getEnvironment().getVersion(), command).markdown()).append("\n");
        body.append(quantizer.available() && !models.equals(List.of("bf16"))
                ? "ONNX Runtime's quantizer: `MatMulNBitsQuantizer` from Python, " + quantizer.versions() + ".\n"
                : "ONNX Runtime's quantizer rows: **not run** (" + (quantizer.available()
                        ? "bf16 weights are read through Cast, which MatMulNBitsQuantizer does not quantize"
                        : quantizer.problem()) + ").\n");
        body.append(String.format(Locale.ROOT, "%nEvaluation: %d windows of %d tokens from `eval.txt` (prefill, empty "
                        + "cache), then %d decode steps after each, every model scored by the engine's evaluator "
                        + "against the original file; calibration (GPTQ, auto): windows of `cal.txt`. Size: file bytes "
                        + "(external data included) against the original file; bits per weight: 8 × bytes of all "
                        + "initializers after / elements of the original's float initializers. Compress time: ours "
                        + "in-process (calibration, head measurement and auto's search included, evaluation not); ONNX "
                        + "Runtime's the whole Python process.%n",
                windows, context, decodeSteps));
        for (String id : models) {
            Path original = switch (id) {
                case "fp16" -> tinylm.resolve("model-fp16.onnx");
                case "fp32" -> tinylm.resolve("model.onnx");
                case "bf16" -> Bf16Decoder.write(tinylm.resolve("model.onnx"), work.resolve("model-bf16.onnx"));
                default -> throw new IllegalArgumentException("--models takes fp16, fp32 and/or bf16, not " + id);
            };
            // ONNX Runtime's quantizer takes MatMul weights that are initializers: a bf16 weight read through Cast
            // is not one, so it would leave the model as it is
            body.append(table(id, original, work, evaluation, calibration, autoKl, autoBudget,
                    id.equals("bf16") ? OrtQuantizer.unavailable(python, "bf16 weights are read through Cast, "
                            + "which MatMulNBitsQuantizer does not quantize") : quantizer));
        }
        System.out.println(body);
        // the default run owns the section; a run on other models gets its own, so that it does not replace it
        String section = models.equals(DEFAULT_MODELS) ? "llm" : "llm-" + String.join("-", models);
        BenchmarksDoc.writeSection(out, section, "Decoder LM: tinylm (" + String.join(", ", models)
                + ") against ONNX Runtime's quantizer", body.toString());
        System.err.println("wrote " + out);
    }

    private static String table(String id, Path original, Path work, EvaluationSettings evaluation,
                                CalibrationSettings calibration, List<Double> autoKl, Duration autoBudget,
                                OrtQuantizer quantizer) throws IOException, InterruptedException {
        long originalBytes = StoredWeights.fileBytes(original);
        long originalElements = StoredWeights.of(original).floatElements();
        StringBuilder rows = new StringBuilder();
        Double[] pplOriginal = {null};
        for (Ours row : ours(autoKl, autoBudget)) {
            if (row.fp16Not() && id.equals("fp16")) {
                continue;
            }
            Path output = work.resolve(id + "-" + slug(row.label()) + ".onnx");
            System.err.printf(Locale.ROOT, "%s: %s%n", id, row.label());
            ModelCompressor compressor = new ModelCompressor(evaluation, calibration).withHead(row.head());
            FidelityReport report = compressor.compress(original, output, row.method(), ProgressListener.NONE);
            double seconds = report.timings().stream().filter(t -> !t.step().equals("evaluate"))
                    .mapToLong(FidelityReport.StepTiming::millis).sum() / 1e3;
            pplOriginal[0] = report.languageModel().prefill().perplexityOriginal();
            rows.append(row(row.label(), output, originalBytes, originalElements, report.languageModel(), seconds));
        }
        if (!quantizer.available()) {
            rows.append("| ONNX Runtime's quantizer | not run: %s | | | | | | | | | |%n".formatted(quantizer.problem()));
        } else {
            for (Theirs row : theirs()) {
                Path output = work.resolve(id + "-ort-" + row.file() + ".onnx");
                System.err.printf(Locale.ROOT, "%s: ONNX Runtime %s%n", id, row.label());
                double seconds;
                try {
                    seconds = quantizer.run(original, output, row.arguments(), work.resolve(id + "-ort-" + row.file() + ".log"));
                } catch (IOException e) {
                    // one variant the installed version lacks (HQQ without torch, say) must not cost the other rows
                    String reason = e.getMessage().lines().filter(line -> line.contains("Error")).reduce((a, b) -> b)
                            .orElse(e.getMessage().lines().findFirst().orElse("failed"));
                    System.err.println("  failed: " + reason);
                    rows.append("| ONNX Runtime: %s | failed: %s | | | | | | | | | |%n".formatted(row.label(),
                            reason.replace("|", "/")));
                    continue;
                }
                LanguageModelFidelity lm = FidelityEvaluator.evaluate(original, output, evaluation, ProgressListener.NONE)
                        .languageModel();
                pplOriginal[0] = lm.prefill().perplexityOriginal();
                rows.append(row("ONNX Runtime: " + row.label(), output, originalBytes, originalElements, lm, seconds));
            }
        }
        return String.format(Locale.ROOT, "%n### %s (`%s`, %.1f MB; perplexity of the original on these windows: %.2f)%n%n",
                id, original.getFileName(), originalBytes / 1e6, pplOriginal[0])
                + "| row | size vs original | bits/weight | PPL | ln(PPL ratio) | KL mean | KL p99 | same top-1 "
                + "| decode KL mean | decode / prefill KL | compress time |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" + rows;
    }

    private static List<Ours> ours(List<Double> autoKl, Duration autoBudget) {
        List<Ours> rows = new ArrayList<>();
        CompressionOptions defaults = CompressionOptions.defaults();
        // the bf16 variant stores the table as EMBEDDING_bf16, read through a Cast named EMBEDDING
        List<String> keepEmbedding = List.of(EMBEDDING, EMBEDDING + "_bf16");
        rows.add(new Ours("fp16", CompressionMethod.of("fp16", defaults), ModelCompressor.Head.MEASURED, true));
        rows.add(new Ours("int8 (embedding int8 too)", CompressionMethod.of("int8", defaults),
                ModelCompressor.Head.MEASURED, false));
        for (String rounding : List.of("gptq", "rtn")) {
            for (int block : List.of(32, 128)) {
                rows.add(new Ours("int4 %s block %d, embedding kept, head int4".formatted(rounding, block),
                        CompressionMethod.of("int4", new CompressionOptions(block, false, keepEmbedding, null, rounding)),
                        ModelCompressor.Head.INT4, false));
            }
        }
        rows.add(new Ours("int4 defaults: everything in 4 bits (embedding too, head measured)",
                CompressionMethod.of("int4", defaults), ModelCompressor.Head.MEASURED, false));
        rows.add(new Ours("int4 everything in 4 bits, `--symmetric`",
                CompressionMethod.of("int4", new CompressionOptions(null, true, List.of(), null)),
                ModelCompressor.Head.MEASURED, false));
        for (double kl : autoKl) {
            rows.add(new Ours("auto `--max-kl %s`".formatted(kl),
                    CompressionMethod.auto(defaults, new CompressionMethod.Goal(null, null, kl, null), autoBudget),
                    ModelCompressor.Head.MEASURED, false));
        }
        return rows;
    }

    /** ONNX Runtime's quantizer as onnxruntime-genai and its docs use it; the embedding table stays as stored. */
    private static List<Theirs> theirs() {
        return List.of(
                new Theirs("int4 RTN symmetric block 32", "rtn-sym-32", List.of("--block-size", "32", "--symmetric")),
                new Theirs("int4 RTN asymmetric block 32", "rtn-asym-32", List.of("--block-size", "32")),
                new Theirs("int4 HQQ block 32", "hqq-32", List.of("--block-size", "32", "--algo", "hqq")),
                new Theirs("int4 RTN symmetric block 128", "rtn-sym-128", List.of("--block-size", "128", "--symmetric")),
                new Theirs("int4 RTN asymmetric block 128", "rtn-asym-128", List.of("--block-size", "128")),
                new Theirs("int4 HQQ block 128", "hqq-128", List.of("--block-size", "128", "--algo", "hqq")),
                new Theirs("int8 RTN symmetric block 32", "int8-sym-32", List.of("--block-size", "32", "--symmetric",
                        "--bits", "8")),
                new Theirs("2-bit RTN symmetric block 32", "int2-sym-32", List.of("--block-size", "32", "--symmetric",
                        "--bits", "2")));
    }

    private static String row(String label, Path output, long originalBytes, long originalElements,
                              LanguageModelFidelity lm, double seconds) throws IOException {
        FidelityReport.NextTokenFidelity prefill = lm.prefill();
        FidelityReport.NextTokenFidelity decode = lm.decode();
        double bits = 8.0 * StoredWeights.of(output).initializerBytes() / originalElements;
        String decodeKl = decode == null ? "–" : String.format(Locale.ROOT, "%.5f", decode.klMean());
        String ratio = decode == null ? "–" : String.format(Locale.ROOT, "%.2f", decode.klMean() / prefill.klMean());
        return String.format(Locale.ROOT, "| %s | %.3f | %.2f | %.2f | %.4f | %.5f | %.4f | %.1f %% | %s | %s | %.1f s |%n",
                label, (double) StoredWeights.fileBytes(output) / originalBytes, bits, prefill.perplexityCompressed(),
                prefill.lnPerplexityRatio(), prefill.klMean(), prefill.klP99(), 100 * prefill.sameTop1(), decodeKl,
                ratio, seconds);
    }

    private static String slug(String label) {
        return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("(^-|-$)", "");
    }
}
