package com.modelpress.engine.evaluation;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.modelpress.contracts.FidelityReport;

/**
 * Where calibration activations come from, where they are computed and how much memory their statistics may take.
 * Calibration samples are never the evaluation samples: synthesised ones use their own seed, a calibration folder
 * is a different folder from {@code --inputs}, and a calibration text must not be the evaluation text
 * ({@link com.modelpress.engine.ModelCompressor} refuses equal digests).
 *
 * @param samples           number of synthesised samples (ignored when {@code dir} is set); with {@code text}, the
 *                          most windows (decoders) or lines (encoders) to take from it, 0 for the default
 *                          ({@value #DEFAULT_SAMPLES} windows, every line); 0 without either disables calibration
 * @param seed              seed for synthesised samples
 * @param dir               nullable: a folder in the {@code --inputs} layout (one sub-folder per sample of {@code .npy}
 *                          files)
 * @param text              nullable: a text tokenized with the model's tokenizer; decoders read it as prefill windows
 *                          of {@code context} tokens, encoders one sample per line
 * @param context           tokens per window for decoders
 * @param executionProvider where the calibration graph runs; never null
 * @param sessionConfig     ONNX Runtime session config entries for the calibration sessions
 * @param memoryBytes       budget for the {@code XᵀX} sums held at once (8·K² bytes per observed tensor): MatMul
 *                          inputs are observed and their weights quantized in groups that fit; 0 = a quarter of the
 *                          JVM's maximum heap
 * @param inputs            shapes, symbolic dimensions and values of synthesised samples; never null
 */
public record CalibrationSettings(int samples, long seed, Path dir, TokenizedText text, int context,
                                  ExecutionProvider executionProvider, Map<String, String> sessionConfig,
                                  long memoryBytes, com.modelpress.contracts.DeclaredInputs inputs) {

    public static final int DEFAULT_SAMPLES = 64;

    /** Settings without declared inputs. */
    public CalibrationSettings(int samples, long seed, Path dir, TokenizedText text, int context,
                               ExecutionProvider executionProvider, Map<String, String> sessionConfig, long memoryBytes) {
        this(samples, seed, dir, text, context, executionProvider, sessionConfig, memoryBytes,
                com.modelpress.contracts.DeclaredInputs.NONE);
    }

    public CalibrationSettings {
        inputs = inputs == null ? com.modelpress.contracts.DeclaredInputs.NONE : inputs;
        if (samples < 0) {
            throw new IllegalArgumentException("calibration samples must not be negative, was " + samples);
        }
        if (dir != null && text != null) {
            throw new IllegalArgumentException("calibrate on a folder of samples or on a text, not both");
        }
        if (context < 2) {
            throw new IllegalArgumentException("a calibration window needs at least 2 tokens, was " + context);
        }
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("calibration memory must not be negative, was " + memoryBytes);
        }
        if (executionProvider == null) {
            throw new IllegalArgumentException("executionProvider must not be null");
        }
        sessionConfig = Map.copyOf(sessionConfig);
    }

    /** On CPU, with the default memory budget. */
    public CalibrationSettings(int samples, long seed, Path dir) {
        this(samples, seed, dir, null, EvaluationSettings.DEFAULT_CONTEXT, ExecutionProvider.CPU, Map.of(), 0);
    }

    /**
     * Calibration on up to {@code windows} windows (or lines) of {@code text}, 0 for the default; on CPU, with the
     * default memory budget.
     */
    public static CalibrationSettings onText(TokenizedText text, int windows, int context) {
        return new CalibrationSettings(windows, 0, null, Objects.requireNonNull(text, "text"), context,
                ExecutionProvider.CPU, Map.of(), 0);
    }

    /** Synthesised calibration that never shares a sample with an evaluation seeded with {@code evaluationSeed}. */
    public static CalibrationSettings synthesised(long evaluationSeed) {
        return new CalibrationSettings(DEFAULT_SAMPLES, evaluationSeed ^ 0x5DEECE66DL, null);
    }

    public static CalibrationSettings none() {
        return new CalibrationSettings(0, 0, null);
    }

    public boolean enabled() {
        return dir != null || text != null || samples > 0;
    }

    /**
     * The calibration text as it is read for {@code model}: windows (decoders) or lines (encoders) and context;
     * empty without a text.
     *
     * @throws com.modelpress.engine.InvalidModelException when the model file is not ONNX
     */
    public Optional<FidelityReport.TextInfo> textInfo(Path model) {
        return text == null ? Optional.empty() : Optional.of(textInfo(GraphFacts.read(model).structure()));
    }

    private FidelityReport.TextInfo textInfo(ModelStructure structure) {
        return TextSamples.info(structure, text, context, 0, textSamples(structure));
    }

    /** Decoders read {@value #DEFAULT_SAMPLES} windows unless told otherwise; encoders every line. */
    private int textSamples(ModelStructure structure) {
        return samples > 0 || !structure.isDecoder() ? samples : DEFAULT_SAMPLES;
    }

    /** The calibration samples for a model with these inputs: synthesised, from the folder, or cut from the text. */
    Samples samples(List<InputSpec> inputs, GraphFacts facts) {
        if (text != null) {
            return TextSamples.of(inputs, facts, text, context, 0, textSamples(facts.structure()));
        }
        return dir == null ? SyntheticInputs.synthesise(inputs, facts, samples, seed, this.inputs)
                : SampleFolders.load(dir, inputs);
    }

    /** These settings running on {@code provider} with {@code config} entries (the evaluation's). */
    public CalibrationSettings on(ExecutionProvider provider, Map<String, String> config) {
        return new CalibrationSettings(samples, seed, dir, text, context, provider, config, memoryBytes, inputs);
    }

    /** These settings with a budget of {@code bytes} for the statistics held at once (0 = the default). */
    public CalibrationSettings withMemory(long bytes) {
        return new CalibrationSettings(samples, seed, dir, text, context, executionProvider, sessionConfig, bytes, inputs);
    }

    /**
     * These settings synthesising samples with the declared shapes, dimensions and values (the evaluation's, unless
     * these settings have declarations of their own); unchanged for a folder or a text, which need none.
     */
    public CalibrationSettings withInputs(com.modelpress.contracts.DeclaredInputs declared) {
        if (dir != null || text != null || !inputs.isEmpty()) {
            return this;
        }
        return new CalibrationSettings(samples, seed, dir, text, context, executionProvider, sessionConfig, memoryBytes,
                declared);
    }

    /** The budget in bytes: {@link #memoryBytes()}, or a quarter of the maximum heap when that is 0. */
    public long memoryBudget() {
        return memoryBytes > 0 ? memoryBytes : Runtime.getRuntime().maxMemory() / 4;
    }
}
