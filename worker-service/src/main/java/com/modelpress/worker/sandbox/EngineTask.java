package com.modelpress.worker.sandbox;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.CompressionSpec;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.ExecutionProvider;
import com.modelpress.worker.input.JobTexts;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The engine's part of one attempt: compress {@code model} into {@code output} as {@code request} asks and
 * measure the result. The worker hands it to the engine's child JVM as JSON, so it holds only plain values,
 * every one already checked by the worker.
 *
 * @param jobId       the job, for messages
 * @param model       the {@code .onnx} file to compress, its external data beside it
 * @param output      where the compressed model goes; its external data goes beside it
 * @param calibration nullable: a folder of calibration samples (one sub-folder per sample)
 * @param request     the user's request (method, options, target, metadata)
 * @param samples     evaluation samples
 * @param seed        seed of the synthesised evaluation inputs
 * @param latencyRuns timed runs per model (0: no latency figures)
 * @param autoBudget  how long an {@code auto} search may take
 * @param executionProvider where ONNX Runtime scores the models (the worker chose it at startup)
 * @param texts       nullable: the job's tokenizer and calibration/evaluation texts; with an evaluation text,
 *                    {@code samples} is the number of windows (or lines) taken from it
 */
public record EngineTask(UUID jobId, Path model, Path output, Path calibration, CompressionRequest request, int samples,
                  long seed, int latencyRuns, Duration autoBudget, ExecutionProvider executionProvider, JobTexts texts) {

    /** A task scored on the CPU. */
    EngineTask(UUID jobId, Path model, Path output, Path calibration, CompressionRequest request, int samples,
               long seed, int latencyRuns, Duration autoBudget) {
        this(jobId, model, output, calibration, request, samples, seed, latencyRuns, autoBudget, ExecutionProvider.CPU,
                null);
    }

    /**
     * The request as a checked spec: the same rules the API applied before it queued the job.
     *
     * @throws CompressionSpec.InvalidSpecException naming every rule the request breaks
     */
    public static CompressionSpec spec(CompressionRequest request) {
        return CompressionSpec.of(request);
    }

    /**
     * The method the request names, with its options; {@code auto}'s search is bounded by evaluations (deterministic)
     * and {@code autoBudget} only stops it early.
     *
     * @throws IllegalArgumentException when the request is not a valid spec
     */
    public static CompressionMethod method(CompressionRequest request, Duration autoBudget) {
        return CompressionMethod.of(spec(request), CompressionMethod.Auto.DEFAULT_MAX_EVALUATIONS, autoBudget);
    }

    public CompressionMethod method() {
        return method(request, autoBudget);
    }

    /**
     * The engine, set up for this task: calibrated on the job's samples or calibration text if it brought either,
     * scored on its evaluation text if it brought one, synthesising samples with the request's declared shapes,
     * dimensions and values otherwise, with the request's decode steps and LM head precision,
     * measuring sensitivity unless the request turned it off. Reads and tokenizes the texts.
     *
     * @throws com.modelpress.tokenizer.UnsupportedTokenizerException when the job's tokenizer.json cannot be used
     * @throws com.modelpress.engine.InvalidTextException              when a text cannot be used
     * @throws IllegalArgumentException                                when the request is not a valid spec
     */
    ModelCompressor compressor() throws IOException {
        CompressionRequest.EvaluationSpec spec = spec(request).evaluation();
        int context = spec.context() == null ? EvaluationSettings.DEFAULT_CONTEXT : spec.context();
        EvaluationSettings evaluation = new EvaluationSettings(samples, seed, null, latencyRuns, Map.of(),
                executionProvider).withDecodeSteps(spec.decodeSteps() == null ? EvaluationSettings.DEFAULT_DECODE_STEPS
                : spec.decodeSteps()).withInputs(spec.declaredInputs());
        CalibrationSettings calibrationSettings = calibration == null ? CalibrationSettings.synthesised(seed)
                : new CalibrationSettings(0, 0, calibration);
        if (texts != null) {
            JobTexts.Tokenized tokenized = texts.tokenize(context);
            if (tokenized.evaluation() != null) {
                evaluation = evaluation.onText(tokenized.evaluation(), samples, context);
            }
            if (tokenized.calibration() != null) {
                calibrationSettings = CalibrationSettings.onText(tokenized.calibration(), 0, context);
            }
        }
        ModelCompressor compressor = new ModelCompressor(evaluation, calibrationSettings).withHead(head(request));
        return spec.sensitivityOrDefault() ? compressor.measuringSensitivity() : compressor;
    }

    /** @throws IllegalArgumentException when the request is not a valid spec */
    public static ModelCompressor.Head head(CompressionRequest request) {
        return ModelCompressor.Head.valueOf(spec(request).scope().head().toUpperCase(Locale.ROOT));
    }
}
