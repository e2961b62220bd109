package com.modelpress.bench;

import com.modelpress.tokenizer.TextTokenizer;
import com.modelpress.tokenizer.TokenBatch;
import com.modelpress.tokenizer.TokenizedSamples;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;

/**
 * Compresses each bench model with each method and measures, on the bench's sentences, how close the
 * compressed model's mean-pooled embeddings stay to the fp32 model's; ONNX Runtime's shipped int8 model is
 * scored the same way as a reference. Prints a markdown table and writes it into {@code docs/BENCHMARKS.md}.
 *
 * <p>Usage: {@code bench/run fidelity [--models minilm,bge,e5] [--methods fp16,int8,int8-dynamic,int4]
 * [--sentences N] [--out docs/BENCHMARKS.md] [--work bench/target/fidelity] [--batch 16] [--latency-runs 21]
 * [--threads 1]}
 */
public final class FidelityBench {

    private static final Set<String> OPTIONS =
            Set.of("models", "methods", "sentences", "out", "work", "batch", "latency-runs", "threads", "calibration", "section", "pooling");
    private static final List<String> ALL_MODELS = List.of("minilm", "bge", "e5");
    private static final List<String> ALL_METHODS = List.of("fp16", "int8", "int8-dynamic", "int4");
    /** int4 as the bench reports it: block 32, asymmetric (with zero points). */
    private static final CompressionOptions OPTIONS_USED = new CompressionOptions(32, false, List.of(), null);
    /** The engine's own evaluation is kept small: the bench measures fidelity and latency itself. */
    private static final EvaluationSettings ENGINE_EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());
    private static final int WARMUPS = 5;

    private FidelityBench() {
    }

    public static void main(String[] args) throws IOException, OrtException {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        List<BenchModel> models = arguments.list("models", ALL_MODELS).stream().map(BenchModel::byId).toList();
        List<String> methods = arguments.list("methods", ALL_METHODS);
        List<String> all = Sentences.first(arguments.positiveInt("sentences", Sentences.all().size()));
        String calibrationMode = arguments.list("calibration", List.of("text")).getFirst();
        // calibration and scoring never share a sentence: the first half (an even count, so paraphrase pairs
        // stay together) calibrates, the rest is scored
        int calibrationCount = calibrationMode.equals("text") ? (all.size() / 2) & ~1 : 0;
        List<String> calibrationSentences = all.subList(0, calibrationCount);
        List<String> sentences = all.subList(calibrationCount, all.size());
        int batch = arguments.positiveInt("batch", 16);
        int latencyRuns = arguments.positiveInt("latency-runs", 21);
        int threads = arguments.positiveInt("threads", 1);
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        Path work = arguments.path("work", Path.of("bench/target/fidelity"));

        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        List<FidelityRow> rows = new ArrayList<>();
        for (BenchModel model : models) {
            TextTokenizer tokenizer = model.tokenizer(TextTokenizer.DEFAULT_MAX_LINE_LENGTH);
            CalibrationSettings calibration = switch (calibrationMode) {
                case "text" -> new CalibrationSettings(0, 0, TokenizedSamples.write(tokenizer, calibrationSentences,
                        WorkDirectory.emptied(work.resolve(model.id() + "-calibration"))));
                case "synthetic" -> CalibrationSettings.synthesised(ENGINE_EVALUATION.seed());
                case "none" -> CalibrationSettings.none();
                default -> throw new IllegalArgumentException("--calibration must be text, synthetic or none");
            };
            ModelCompressor compressor = new ModelCompressor(ENGINE_EVALUATION, calibration);
            String pooling = arguments.list("pooling", List.of("mean")).getFirst();
            boolean cls = pooling.equals("cls") || (pooling.equals("published") && model == BenchModel.BGE);
            Scoring scoring = new Scoring(environment, tokenizer, sentences, batch, latencyRuns, threads, cls);
            Path fp32 = model.extractFp32(work);
            System.err.printf("%s: embedding %d sentences with fp32%n", model.displayName(), sentences.size());
            try (SentenceEmbedder reference = new SentenceEmbedder(environment, fp32, tokenizer, threads, cls)) {
                float[][] referenceEmbeddings = reference.embed(sentences, batch);

                Path shipped = model.extractShippedInt8(work);
                rows.add(scoring.score(model, "ONNX Runtime int8 (shipped -q)", reference, referenceEmbeddings,
                        shipped, (double) Files.size(shipped) / Files.size(fp32), null, null, null));

                for (String methodId : methods) {
                    System.err.printf("%s: %s%n", model.displayName(), methodId);
                    if (methodId.equals("auto") || methodId.startsWith("auto:")) {
                        // auto: the shipped int8's fidelity as target; auto:X: the engine-measured cosine X on the text
                        Double fixed = methodId.startsWith("auto:") ? Double.valueOf(methodId.substring(5)) : null;
                        rows.add(autoAtShippedFidelity(model, tokenizer, calibration, scoring, fp32, shipped, work,
                                reference, referenceEmbeddings, fixed));
                        continue;
                    }
                    // variants: int4/b128 (block size), int4/rtn|search|aware|gptq (rounding), int4/plain (no calibration)
                    boolean plain = methodId.endsWith("/plain");
                    rows.add(compressAndScore(plain ? new ModelCompressor(ENGINE_EVALUATION, CalibrationSettings.none())
                            : compressor, scoring, model, methodId, fp32, work, reference, referenceEmbeddings));
                }
            }
        }

        String table = FidelityTable.markdown(rows);
        System.out.println(table);
        String command = ("bench/run fidelity " + String.join(" ", args)).strip();
        String poolingNote = switch (arguments.list("pooling", List.of("mean")).getFirst()) {
            case "cls" -> " Pooling: the [CLS] token's vector for every model.";
            case "published" -> " Pooling: [CLS] for bge-small-en-v1.5 (as it is published), mean for the others.";
            default -> "";
        };
        String body = RunDescription.current(environment.getVersion(), command).markdown() + "\n"
                + howMeasured(sentences.size(), batch, latencyRuns, threads) + " " + calibrationNote(calibrationMode,
                calibrationCount) + poolingNote + "\n\n" + table;
        String section = arguments.list("section", List.of("fidelity")).getFirst();
        BenchmarksDoc.writeSection(out, section, section.equals("fidelity") ? "Fidelity" : "Fidelity: " + section, body);
        System.err.println("wrote " + out);
    }

    private static String calibrationNote(String mode, int sentences) {
        return switch (mode) {
            case "text" -> "int4 calibration (GPTQ): the first " + sentences + " sentences, one sample each;"
                    + " scoring uses only the other sentences.";
            case "synthetic" -> "int4 calibration (GPTQ): synthesised token ids, none of them scored.";
            default -> "No calibration: int4 uses plain (searched) rounding.";
        };
    }

    private static String howMeasured(int sentences, int batch, int latencyRuns, int threads) {
        return sentences + " sentences in batches of " + batch + ", at most "
                + TextTokenizer.DEFAULT_MAX_LINE_LENGTH + " tokens each. Every model's embedding is the"
                + " attention-masked mean of its last hidden state. Latency: median of " + latencyRuns
                + " runs of one batch after " + WARMUPS + " warm-ups with " + threads + " intra-op thread(s), the"
                + " compressed and the fp32 model timed in alternation on a machine shared with other work."
                + " int4: block 32 with zero points. Compress time includes the engine's own evaluation ("
                + ENGINE_EVALUATION.samples() + " synthesised samples, no latency runs).";
    }

    /**
     * {@code auto} with the shipped int8 model's fidelity as its target: both measured by the engine on the
     * scored sentences (token vectors of the last hidden state), so the target is met on the same text.
     */
    private static FidelityRow autoAtShippedFidelity(BenchModel model, TextTokenizer tokenizer,
                                                     CalibrationSettings calibration, Scoring scoring, Path fp32,
                                                     Path shipped, Path work, SentenceEmbedder reference,
                                                     float[][] referenceEmbeddings, Double fixedTarget) {
        try {
            Path scored = TokenizedSamples.write(tokenizer, scoring.sentences(),
                    WorkDirectory.emptied(work.resolve(model.id() + "-scored")));
            EvaluationSettings onText = new EvaluationSettings(1, ENGINE_EVALUATION.seed(), scored, 0, Map.of());
            double target = fixedTarget != null ? fixedTarget
                    : FidelityReport.worstCosineMean(FidelityEvaluator.evaluate(fp32, shipped, onText, ProgressListener.NONE).outputs());
            String label = fixedTarget != null ? String.format(java.util.Locale.ROOT, "auto (target %.3f)", target)
                    : String.format(java.util.Locale.ROOT, "auto (target: the -q model's %.5f)", target);
            return compressAndScore(new ModelCompressor(onText, calibration), scoring, model, label,
                    CompressionMethod.auto(OPTIONS_USED, target, java.time.Duration.ofMinutes(20)), fp32, work,
                    reference, referenceEmbeddings);
        } catch (IOException | RuntimeException e) {
            System.err.printf("%s: auto failed: %s%n", model.displayName(), e);
            return new FidelityRow.Failed(model.displayName(), "auto", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static FidelityRow compressAndScore(ModelCompressor compressor, Scoring scoring, BenchModel model,
                                                String methodId, Path fp32, Path work, SentenceEmbedder reference,
                                                float[][] referenceEmbeddings) {
        CompressionMethod method;
        try {
            String[] parts = methodId.split("/");
            Integer blockSize = java.util.Arrays.stream(parts).filter(p -> p.matches("b\\d+"))
                    .map(p -> Integer.valueOf(p.substring(1))).findFirst().orElse(OPTIONS_USED.blockSize());
            String rounding = java.util.Arrays.stream(parts).filter(CompressionOptions.ROUNDINGS::contains).findFirst()
                    .orElse(null);
            method = CompressionMethod.of(parts[0], new CompressionOptions(blockSize, OPTIONS_USED.symmetric(),
                    OPTIONS_USED.excludeNodes(), OPTIONS_USED.minElements(), rounding));
        } catch (IllegalArgumentException e) {
            return new FidelityRow.Failed(model.displayName(), methodId, e.getMessage());
        }
        return compressAndScore(compressor, scoring, model, methodId, method, fp32, work, reference, referenceEmbeddings);
    }

    private static FidelityRow compressAndScore(ModelCompressor compressor, Scoring scoring, BenchModel model,
                                                String methodId, CompressionMethod method, Path fp32, Path work,
                                                SentenceEmbedder reference, float[][] referenceEmbeddings) {
        try {
            Path output = WorkDirectory.emptied(work.resolve(model.id() + "-" + methodId.replaceAll("[^A-Za-z0-9.-]", "_")))
                    .resolve("model.onnx");
            long start = System.nanoTime();
            FidelityReport report = compressor.compress(fp32, output, method, ProgressListener.NONE);
            double seconds = (System.nanoTime() - start) / 1e9;
            OptionalDouble lowestSqnr = report.outputs().stream()
                    .mapToDouble(FidelityReport.OutputFidelity::sqnrDb)
                    .min();
            return scoring.score(model, methodId, reference, referenceEmbeddings, output, report.sizes().ratio(),
                    report.bitsPerWeight(), lowestSqnr.isPresent() ? lowestSqnr.getAsDouble() : null, seconds);
        } catch (IOException | InvalidModelException | UnsupportedModelException | IllegalArgumentException e) {
            System.err.printf("%s: %s failed: %s%n", model.displayName(), methodId, e);
            return new FidelityRow.Failed(model.displayName(), methodId,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (OrtException e) {
            // a compressed model that stock ONNX Runtime cannot run is a result to report, not a reason to stop
            System.err.printf("%s: %s does not run: %s%n", model.displayName(), methodId, e);
            return new FidelityRow.Failed(model.displayName(), methodId,
                    "ONNX Runtime cannot run the compressed model: " + e.getMessage());
        }
    }

    /** Scores candidate model files against one reference model on the bench sentences. */
    private record Scoring(OrtEnvironment environment, TextTokenizer tokenizer, List<String> sentences,
                           int batch, int latencyRuns, int threads, boolean cls) {

        FidelityRow score(BenchModel model, String variant, SentenceEmbedder reference, float[][] referenceEmbeddings,
                          Path candidateModel, double sizeRatio, Double bitsPerWeight, Double worstSqnrDb,
                          Double compressionSeconds) throws OrtException {
            try (SentenceEmbedder candidate = new SentenceEmbedder(environment, candidateModel, tokenizer, threads, cls)) {
                EmbeddingAgreement agreement =
                        EmbeddingAgreement.between(referenceEmbeddings, candidate.embed(sentences, batch));
                TokenBatch timed = tokenizer.encodeBatch(sentences.subList(0, Math.min(batch, sentences.size())));
                PairedLatency latency = PairedLatency.measure(reference, candidate, timed, WARMUPS, latencyRuns);
                return new FidelityRow.Measured(model.displayName(), variant, sizeRatio, bitsPerWeight, worstSqnrDb,
                        agreement, latency, compressionSeconds);
            }
        }
    }
}
