package com.modelpress.engine.evaluation;

import com.modelpress.contracts.DeclaredInputs;

import java.nio.file.Path;
import java.util.Map;

/**
 * How to compare an original and a compressed model.
 *
 * @param samples        number of synthesised samples, or with {@code text} the most windows (decoders) or lines
 *                       (encoders) to take from it (ignored when {@code inputsDir} is set)
 * @param seed           seed for synthesised inputs
 * @param inputsDir      nullable: a folder with one sub-folder per sample holding {@code <input-name>.npy}
 * @param latencyRuns    timed runs per model for latency (0 = do not measure)
 * @param sessionConfig  ONNX Runtime session config entries applied to both sessions, e.g.
 *                       {@code session.qdq_matmulnbits_accuracy_level}
 * @param executionProvider where both models run (and latency is measured); chosen once per process with
 *                       {@link ExecutionProviderSelection}; never null
 * @param text           nullable: evaluate on this text (tokenized with the model's tokenizer) instead of
 *                       synthesised samples; excludes {@code inputsDir}
 * @param context        tokens per prefill window of a decoder LM on text, at least 2
 * @param decodeSteps    decode steps a decoder LM with a KV cache runs after each prefill window, 0 for none
 * @param inputs         shapes, symbolic dimensions and values of synthesised inputs (evaluation and calibration);
 *                       {@link DeclaredInputs#NONE} for none, and only then with {@code inputsDir} or {@code text}
 */
public record EvaluationSettings(int samples, long seed, Path inputsDir, int latencyRuns,
                                 Map<String, String> sessionConfig, ExecutionProvider executionProvider,
                                 TokenizedText text, int context, int decodeSteps, DeclaredInputs inputs) {

    /** Tokens per prefill window on text unless asked otherwise. */
    public static final int DEFAULT_CONTEXT = 128;
    /** Decode steps after each prefill window unless asked otherwise. */
    public static final int DEFAULT_DECODE_STEPS = 32;
    /** Windows of an evaluation text unless asked otherwise. */
    public static final int DEFAULT_TEXT_WINDOWS = 24;

    /** Settings that run on CPU. */
    public EvaluationSettings(int samples, long seed, Path inputsDir, int latencyRuns, Map<String, String> sessionConfig) {
        this(samples, seed, inputsDir, latencyRuns, sessionConfig, ExecutionProvider.CPU);
    }

    /** Settings without an evaluation text. */
    public EvaluationSettings(int samples, long seed, Path inputsDir, int latencyRuns, Map<String, String> sessionConfig,
                              ExecutionProvider executionProvider) {
        this(samples, seed, inputsDir, latencyRuns, sessionConfig, executionProvider, null, DEFAULT_CONTEXT,
                DEFAULT_DECODE_STEPS);
    }

    /** Settings without declared inputs. */
    public EvaluationSettings(int samples, long seed, Path inputsDir, int latencyRuns, Map<String, String> sessionConfig,
                              ExecutionProvider executionProvider, TokenizedText text, int context, int decodeSteps) {
        this(samples, seed, inputsDir, latencyRuns, sessionConfig, executionProvider, text, context, decodeSteps,
                DeclaredInputs.NONE);
    }

    public EvaluationSettings {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be at least 1, was " + samples);
        }
        if (latencyRuns < 0) {
            throw new IllegalArgumentException("latencyRuns must not be negative, was " + latencyRuns);
        }
        sessionConfig = Map.copyOf(sessionConfig);
        if (executionProvider == null) {
            throw new IllegalArgumentException("executionProvider must not be null");
        }
        if (text != null && inputsDir != null) {
            throw new IllegalArgumentException("evaluate on a folder of samples or on a text, not both");
        }
        if (context < 2) {
            throw new IllegalArgumentException("a window needs at least 2 tokens, was " + context);
        }
        if (decodeSteps < 0) {
            throw new IllegalArgumentException("decode steps must not be negative, was " + decodeSteps);
        }
        inputs = inputs == null ? DeclaredInputs.NONE : inputs;
        if (!inputs.isEmpty() && (inputsDir != null || text != null)) {
            throw new IllegalArgumentException("declared input shapes, dimensions and values (%s) shape synthesised "
                    .formatted(inputs) + "samples; they do not combine with " + (inputsDir != null
                    ? "a folder of samples" : "an evaluation text"));
        }
        java.util.List<DeclaredInputs.Problem> problems = inputs.problems(samples);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("declared inputs: " + String.join("; ",
                    problems.stream().map(DeclaredInputs.Problem::toString).toList()));
        }
    }

    /** These settings with latency not measured. */
    public EvaluationSettings withoutLatency() {
        return new EvaluationSettings(samples, seed, inputsDir, 0, sessionConfig, executionProvider, text, context,
                decodeSteps, inputs);
    }

    /** These settings on another execution provider. */
    public EvaluationSettings withExecutionProvider(ExecutionProvider provider) {
        return new EvaluationSettings(samples, seed, inputsDir, latencyRuns, sessionConfig, provider, text, context,
                decodeSteps, inputs);
    }

    /** These settings scoring up to {@code windows} windows of {@code text}, {@code context} tokens each. */
    public EvaluationSettings onText(TokenizedText text, int windows, int context) {
        return new EvaluationSettings(windows, seed, null, latencyRuns, sessionConfig, executionProvider,
                java.util.Objects.requireNonNull(text, "text"), context, decodeSteps, inputs);
    }

    /** These settings with {@code steps} decode steps after each prefill window of a decoder LM. */
    public EvaluationSettings withDecodeSteps(int steps) {
        return new EvaluationSettings(samples, seed, inputsDir, latencyRuns, sessionConfig, executionProvider, text,
                context, steps, inputs);
    }

    /**
     * These settings synthesising samples (for evaluation, and for calibration unless it has declarations of its own)
     * with the declared shapes, dimensions and values.
     *
     * @throws IllegalArgumentException when a declaration breaks a rule of {@link DeclaredInputs#problems}, or the
     *                                  samples come from a folder or a text
     */
    public EvaluationSettings withInputs(DeclaredInputs declared) {
        return new EvaluationSettings(samples, seed, inputsDir, latencyRuns, sessionConfig, executionProvider, text,
                context, decodeSteps, declared);
    }

    public static EvaluationSettings defaults() {
        return new EvaluationSettings(8, 7, null, 20, Map.of());
    }
}
