package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.StepTiming;
import com.modelpress.contracts.FidelityVerdict;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationResult;
import com.modelpress.engine.quant.WeightPass;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;
import com.modelpress.engine.evaluation.OnnxRuntimeInfo;
import com.modelpress.engine.evaluation.OrtMatrixProducts;
import com.modelpress.engine.evaluation.ReferenceBands;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.ScratchSpace;
import com.modelpress.engine.int4.MatrixProducts;
import com.modelpress.files.FileTrees;
import com.modelpress.files.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import java.util.List;
import java.util.Properties;

/**
 * Compresses a model and measures the result: the engine's front door. Reads the input, applies the method,
 * writes the output (with external data when needed), then runs both models with ONNX Runtime on the same
 * inputs and returns the {@link FidelityReport}.
 *
 * <p>Thread-safe: holds only settings; each call works on its own files.
 */
public final class ModelCompressor {

    /** The engine's version, from the build. */
    public static final String VERSION = readVersion();

    /** The precision of an LM head under {@code int4}: measured (see {@link #withHead}) or fixed by the user. */
    public enum Head {
        /** Scored at int4, int8 and kept; the smallest that is not clearly more sensitive per byte than the rest. */
        MEASURED,
        /** 4 bits, like every other tensor. */
        INT4,
        /** 8-bit blocks. */
        INT8,
        /** As stored. */
        KEPT
    }

    private final EvaluationSettings evaluation;
    private final CalibrationSettings calibration;
    private final boolean measureSensitivity;
    private final Head head;

    /** Calibrates (where a method uses calibration) on synthesised samples the evaluation never sees. */
    public ModelCompressor(EvaluationSettings evaluation) {
        this(evaluation, CalibrationSettings.synthesised(evaluation.seed()));
    }

    public ModelCompressor(EvaluationSettings evaluation, CalibrationSettings calibration) {
        this(evaluation, calibration, false, Head.MEASURED);
    }

    private ModelCompressor(EvaluationSettings evaluation, CalibrationSettings calibration, boolean measureSensitivity,
                            Head head) {
        this.evaluation = evaluation;
        this.calibration = calibration;
        this.measureSensitivity = measureSensitivity;
        this.head = head;
    }

    /**
     * A compressor that gives an LM head (the matrix whose product is the {@code logits} output, tied to the embedding
     * table or not) this precision under {@code int4}; the default, {@link Head#MEASURED}, chooses by measurement.
     */
    public ModelCompressor withHead(Head head) {
        return new ModelCompressor(evaluation, calibration, measureSensitivity, java.util.Objects.requireNonNull(head));
    }

    /**
     * A compressor whose reports rank the compressed tensors by measured sensitivity: each tensor compressed alone,
     * the rest as in the original, scored on the evaluation samples. Costs one compression and evaluation per tensor.
     */
    public ModelCompressor measuringSensitivity() {
        return new ModelCompressor(evaluation, calibration, true, head);
    }

    /**
     * @param input  an {@code .onnx} file; its external data files must sit in its folder
     * @param output where to write the compressed model; external data goes to {@code <output>.data}. When the
     *               evaluation fails the written files are deleted again: no unmeasured model is left behind
     * @throws InvalidModelException     when the input (or the evaluation inputs) cannot be used
     * @throws UnsupportedModelException when ONNX Runtime cannot run the original or the compressed model
     */
    public FidelityReport compress(Path input, Path output, CompressionMethod method, ProgressListener progress)
            throws IOException {
        if (Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
            throw new IllegalArgumentException("output %s is the input; write the compressed model elsewhere".formatted(output));
        }
        if (calibration.text() != null && evaluation.text() != null
                && calibration.text().sha256().equals(evaluation.text().sha256())) {
            throw new IllegalArgumentException("the calibration text %s and the evaluation text %s are the same text "
                    .formatted(calibration.text().file(), evaluation.text().file())
                    + "(sha256 " + evaluation.text().sha256() + "); fidelity must be measured on text calibration did not see");
        }
        List<StepTiming> timings = new ArrayList<>();
        long start = System.nanoTime();
        progress.onProgress("read", 0);
        OnnxModel source = OnnxModel.read(input);
        // the input's digest is only needed for the report: computed beside the compression
        CompletableFuture<String> inputSha = digestBeside(source.file());
        if (method instanceof CompressionMethod.Auto auto && auto.size() != null) {
            // an unreachable size is refused before any calibration or measurement
            SizeFit.check(source, auto);
        }
        start = lap(timings, "read", start);

        Map<String, double[]> moments = Map.of();
        List<String> calibrationNotes = new ArrayList<>();
        boolean calibrated = method instanceof CompressionMethod.Int4 int4 ? int4.calibrated()
                : method instanceof CompressionMethod.Auto auto && auto.options().roundingUsesCalibration();
        FidelityReport.TextInfo calibrationText = null;
        GroupedCalibration grouped = null;
        OrtMatrixProducts products = null;
        ConvCalibration convs = ConvCalibration.none();
        try {
            if ((method instanceof CompressionMethod.Int8 || method instanceof CompressionMethod.Int4
                    || method instanceof CompressionMethod.Auto) && calibration.enabled()) {
                // Conv kernels are calibrated on their im2col patches (int8, int4, and auto's int8 and int4 of them)
                convs = ConvCalibration.collect(source, method.options(),
                        calibration.on(evaluation.executionProvider(), evaluation.sessionConfig()), progress);
                if (!convs.moments().isEmpty()) {
                    calibrationNotes.addAll(convs.notes());
                    start = lap(timings, "calibrate", start);
                }
            }
            if (calibrated && calibration.enabled()) {
                grouped = GroupedCalibration.plan(source, method.options(),
                        calibration.on(evaluation.executionProvider(), evaluation.sessionConfig())
                                .withInputs(evaluation.inputs()), progress);
                products = new OrtMatrixProducts(evaluation.executionProvider());
                calibrationText = calibration.textInfo(input).orElse(null);
                if (method instanceof CompressionMethod.Auto) {
                    moments = grouped.all();
                    calibrationNotes.addAll(grouped.notes());
                    start = lap(timings, "calibrate", start);
                }
            } else if (calibration.text() != null) {
                calibrationNotes.add("the calibration text %s was not used: %s does not calibrate"
                        .formatted(calibration.text().file(), method.id()));
            }
            return compress(input, output, method, progress, source, inputSha, timings, start, moments, grouped,
                    products, calibrationNotes, calibrationText, convs);
        } finally {
            if (products != null) {
                products.close();
            }
            if (grouped != null) {
                grouped.close();
            }
        }
    }

    private FidelityReport compress(Path input, Path output, CompressionMethod method, ProgressListener progress,
                                    OnnxModel source, CompletableFuture<String> inputSha,
                                    List<StepTiming> timings, long start,
                                    Map<String, double[]> moments, GroupedCalibration grouped,
                                    OrtMatrixProducts products, List<String> calibrationNotes,
                                    FidelityReport.TextInfo calibrationText, ConvCalibration convs) throws IOException {
        Compression.Outcome outcome;
        WeightPass finalPass;
        Map<String, Double> autoLosses = Map.of();
        List<FidelityReport.AutoCandidate> autoCandidates = List.of();
        SizeFit sizeFit = null;
        AutoSearch.Choice autoChoice = null;
        if (method instanceof CompressionMethod.Auto auto && auto.size() != null) {
            sizeFit = new SizeFit(auto, moments::get, products != null ? products : MatrixProducts.JAVA);
            finalPass = null;
        } else if (method instanceof CompressionMethod.Auto auto) {
            AutoSearch search = new AutoSearch(auto, evaluation, moments, convs.moments(), progress);
            AutoSearch.Choice choice;
            Path scratch = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".modelpress-auto-");
            try {
                choice = search.search(source, input, scratch);
            } finally {
                FileTrees.delete(scratch);
            }
            start = lap(timings, "auto search", start);
            calibrationNotes.addAll(choice.trace());
            calibrationNotes.add("auto: target %s %s".formatted(auto.describe(),
                    choice.targetMet() ? "met" : "NOT met; this is the closest model found"));
            autoChoice = choice;
            finalPass = search.pass(choice.assignment(), choice.rest(), moments);
            autoLosses = search.measuredLoss();
            autoCandidates = choice.candidates();
        } else if (grouped != null) {
            // calibration in groups, interleaved with the compression of the weights that read them
            finalPass = Compression.passFor(method, grouped, products);
        } else if (method instanceof CompressionMethod.Int8 && !convs.moments().isEmpty()) {
            // int8 with Conv kernels calibrated on their im2col patches
            finalPass = new com.modelpress.engine.int8.Int8Pass(convs.moments()::get);
        } else {
            finalPass = Compression.passFor(method, moments);
        }
        if (finalPass instanceof com.modelpress.engine.int4.Int4Pass int4 && !convs.moments().isEmpty()) {
            int4.calibratingConvs(convs.moments()::get);
        }
        // calibration in groups runs inside the steps below; its time is taken out of them and reported on its own
        boolean interleaved = grouped != null && !(method instanceof CompressionMethod.Auto);
        int calibrateStep = timings.size();
        if (method instanceof CompressionMethod.Int4) {
            // an LM head's precision is measured, not assumed (see HeadPrecision)
            java.util.Optional<com.modelpress.engine.graph.Weight> lmHead = HeadPrecision.find(source, method);
            if (lmHead.isPresent()) {
                long calibrating = interleaved ? grouped.nanos() : 0;
                Path scratch = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".modelpress-head-");
                try {
                    finalPass = HeadPrecision.choose(lmHead.get(), this.head, source, input, scratch, method, finalPass,
                            evaluation, calibrationNotes);
                } finally {
                    FileTrees.delete(scratch);
                }
                start = lap(timings, "head precision", start, interleaved ? grouped.nanos() - calibrating : 0);
            }
        }
        // with sensitivity, the decoded values of every rewritten weight are kept aside to score each tensor alone
        DecodedValues decoded = measureSensitivity ? new DecodedValues(output.toAbsolutePath().getParent()) : null;
        SizeFit.Result fitted = null;
        try {
            Compression compression = new Compression(method.id(), method.options(), finalPass, progress);
            if (sizeFit != null) {
                fitted = sizeFit.fit(source, input, output, measuring(), decoded, progress);
                outcome = fitted.outcome();
                finalPass = fitted.pass();
                autoCandidates = fitted.candidates();
                calibrationNotes.addAll(fitted.notes());
                start = lap(timings, "auto size fit", start);
            } else if (interleaved) {
                compression.inGraphOrder();
                long calibrating = grouped.nanos();
                outcome = compression.run(source, output, decoded);
                start = lap(timings, "compress+write", start, grouped.nanos() - calibrating);
                timings.add(calibrateStep, new StepTiming("calibrate", grouped.nanos() / 1_000_000));
                calibrationNotes.addAll(grouped.notes());
            } else {
                outcome = compression.run(source, output, decoded);
                start = lap(timings, "compress+write", start);
            }
            CompletableFuture<String> outputSha = digestBeside(output);

            EvaluationResult result;
            try {
                result = FidelityEvaluator.evaluate(input, output, evaluation, progress);
            } catch (RuntimeException e) {
                // a model whose fidelity could not be measured is not a result: leave nothing behind
                Files.deleteIfExists(output);
                if (!outcome.nothingToCompress()) {
                    Files.deleteIfExists(output.resolveSibling(output.getFileName() + ".data"));
                }
                throw e;
            }
            lap(timings, "evaluate", start);

            long originalBytes = outcome.originalBytes();
            long compressedBytes = outcome.compressedBytes();
            FidelityReport.Sizes sizes = new FidelityReport.Sizes(originalBytes, compressedBytes,
                    (double) compressedBytes / originalBytes, outcome.originalWeightBytes(), outcome.compressedWeightBytes());
            double bitsPerWeight = outcome.weightElements() == 0 ? 0
                    : 8.0 * outcome.compressedWeightBytes() / outcome.weightElements();
            List<FidelityReport.TensorSensitivity> sensitivity = autoLosses.entrySet().stream()
                    .map(e -> new FidelityReport.TensorSensitivity(e.getKey(), "int4", 4, e.getValue()))
                    .sorted(java.util.Comparator.comparingDouble(FidelityReport.TensorSensitivity::cosineLoss).reversed())
                    .toList();
            List<String> sensitivityNotes = new ArrayList<>();
            if (measureSensitivity && !outcome.nothingToCompress()) {
                sensitivity = sensitivity(source, input, output, method, finalPass, outcome.tensors(), decoded, progress,
                        sensitivityNotes);
                start = lap(timings, "sensitivity", start);
            }
            FidelityVerdict verdict = FidelityVerdict.of(result.outputs(), result.languageModel());
            List<String> verdictNotes = List.of("verdict %s (bands in FidelityVerdict): %s".formatted(verdict.level(),
                    String.join("; ", verdict.basis())));
            FidelityReport.AutoOutcome autoOutcome = method instanceof CompressionMethod.Auto auto
                    ? AutoOutcomes.of(auto, result, autoChoice, fitted, compressedBytes, bitsPerWeight) : null;
            return new FidelityReport(FidelityReport.SCHEMA_VERSION, method.id(), method.options(), digest(inputSha), digest(outputSha),
                    outcome.nothingToCompress(), sizes, bitsPerWeight, result.outputs(), outcome.tensors(), result.latency(),
                    result.info(), evaluation.seed(), result.sessionOptions(),
                    new FidelityReport.Versions(VERSION, OnnxRuntimeInfo.version(), Runtime.version().toString()),
                    timings, Stream.of(verdictNotes, calibrationNotes, outcome.notes(), result.notes(), sensitivityNotes,
                            result.languageModel() != null ? List.<String>of()
                                    : result.outputs().stream().flatMap(o -> ReferenceBands.describe(o).stream()).toList())
                            .flatMap(List::stream).toList(), sensitivity, result.model(), result.languageModel(),
                    calibrationText, verdict.level(), result.sentenceEmbeddings(), autoOutcome, autoCandidates);
        } finally {
            if (decoded != null) {
                decoded.close();
            }
        }
    }

    /**
     * Each compressed tensor alone, encoded as in the final model, scored on the evaluation samples. Tensors whose
     * decoded values were recorded are swapped into the original in an ONNX Runtime session (no model written, the
     * original's outputs computed once); the others (weights in {@code Constant} nodes or subgraphs, encodings that
     * ONNX Runtime runs with kernels of its own) are measured by writing the model with only that tensor compressed.
     */
    private List<FidelityReport.TensorSensitivity> sensitivity(OnnxModel source, Path input, Path output,
                                                                CompressionMethod method, WeightPass finalPass,
                                                                List<FidelityReport.TensorReport> tensors,
                                                                DecodedValues decoded, ProgressListener progress,
                                                                List<String> notes) throws IOException {
        EvaluationSettings scoring = evaluation.withoutLatency();
        List<FidelityReport.TensorReport> compressed = tensors.stream().filter(t -> !t.method().equals("kept")).toList();
        List<FidelityReport.TensorSensitivity> ranked = new ArrayList<>();
        FidelityEvaluator.Reference reference = null;
        int rewritten = 0;
        Path scratch = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".modelpress-sensitivity-");
        try {
            Path alone = scratch.resolve("alone.onnx");
            for (FidelityReport.TensorReport tensor : compressed) {
                if (reference == null) {
                    reference = new FidelityEvaluator.Reference(input, scoring);
                }
                FloatBuffer values = decoded == null ? null : decoded.values(tensor.name());
                List<FidelityReport.OutputFidelity> outputs;
                if (values != null) {
                    outputs = reference.withInitializer(tensor.name(), decoded.dims(tensor.name()),
                            decoded.dataType(tensor.name()), values);
                } else {
                    WeightPass onlyThis = (weight, vals, scope) -> weight.name().equals(tensor.name())
                            ? finalPass.apply(weight, vals, scope)
                            : WeightPass.kept(weight, "sensitivity: measured alone");
                    new Compression(method.id(), method.options(), onlyThis, ProgressListener.NONE).run(source, alone);
                    outputs = reference.score(alone);
                    rewritten++;
                }
                double cosine = FidelityReport.worstCosineMean(outputs);
                ranked.add(new FidelityReport.TensorSensitivity(tensor.name(), tensor.method(), tensor.bits(), 1 - cosine));
                progress.onProgress("sensitivity", (double) ranked.size() / compressed.size());
            }
        } finally {
            FileTrees.delete(scratch);
        }
        notes.add("sensitivity: %d tensors measured alone (%d with decoded weights swapped into the original, %d by rewriting the model)"
                .formatted(ranked.size(), ranked.size() - rewritten, rewritten));
        ranked.sort(java.util.Comparator.comparingDouble(FidelityReport.TensorSensitivity::cosineLoss).reversed());
        return ranked;
    }

    /**
     * The samples {@code auto} measures per-tensor damage on when fitting a size: a few of the calibration windows (or
     * samples), prefill only, never the evaluation samples.
     */
    private EvaluationSettings measuring() {
        EvaluationSettings base = new EvaluationSettings(SizeFit.MEASURE_WINDOWS, calibration.seed(), calibration.dir(), 0,
                evaluation.sessionConfig(), evaluation.executionProvider());
        if (calibration.text() != null) {
            base = base.onText(calibration.text(), SizeFit.MEASURE_WINDOWS, calibration.context());
        }
        return base.withDecodeSteps(0);
    }

    private static long lap(List<StepTiming> timings, String step, long start) {
        return lap(timings, step, start, 0);
    }

    /** A step that took from {@code start} until now, less {@code elsewhere} nanoseconds counted in another step. */
    private static long lap(List<StepTiming> timings, String step, long start, long elsewhere) {
        long now = System.nanoTime();
        timings.add(new StepTiming(step, (now - start - elsewhere) / 1_000_000));
        return now;
    }

    /** {@link Sha256#of(Path)} of {@code file} on a thread of its own (not the common pool, which the passes use). */
    private static CompletableFuture<String> digestBeside(Path file) {
        CompletableFuture<String> sha = new CompletableFuture<>();
        Thread.ofPlatform().name("modelpress-sha256").daemon().start(() -> {
            try {
                sha.complete(Sha256.of(file));
            } catch (IOException | RuntimeException e) {
                sha.completeExceptionally(e);
            }
        });
        return sha;
    }

    private static String digest(CompletableFuture<String> sha) throws IOException {
        try {
            return sha.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }

    private static String readVersion() {
        try (InputStream in = ModelCompressor.class.getResourceAsStream("engine.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
