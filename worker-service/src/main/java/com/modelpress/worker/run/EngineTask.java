package com.modelpress.worker.run;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.ExecutionProvider;

import java.nio.file.Path;
import java.time.Duration;
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
 */
record EngineTask(UUID jobId, Path model, Path output, Path calibration, CompressionRequest request, int samples,
                  long seed, int latencyRuns, Duration autoBudget, ExecutionProvider executionProvider) {

    /** A task scored on the CPU. */
    EngineTask(UUID jobId, Path model, Path output, Path calibration, CompressionRequest request, int samples,
               long seed, int latencyRuns, Duration autoBudget) {
        this(jobId, model, output, calibration, request, samples, seed, latencyRuns, autoBudget, ExecutionProvider.CPU);
    }

    /**
     * The method the request names, with its options.
     *
     * @throws IllegalArgumentException when the method is unknown, its options are bad, or {@code auto} has no target
     */
    static CompressionMethod method(CompressionRequest request, Duration autoBudget) {
        if ("auto".equals(request.method())) {
            CompressionRequest.Target target = request.target();
            if (target == null || (target.minCosine() == null && target.minSqnrDb() == null && target.maxKl() == null)) {
                throw new IllegalArgumentException("auto needs a target: target.minCosine, target.minSqnrDb or target.maxKl");
            }
            return CompressionMethod.auto(request.options(),
                    new CompressionMethod.Goal(target.minCosine(), target.minSqnrDb(), target.maxKl()), autoBudget);
        }
        return CompressionMethod.of(request.method(), request.options());
    }

    CompressionMethod method() {
        return method(request, autoBudget);
    }

    /** The engine, set up for this task: calibrated on the job's samples if it brought any, measuring sensitivity
     * unless the request turned it off. */
    ModelCompressor compressor() {
        EvaluationSettings evaluation = new EvaluationSettings(samples, seed, null, latencyRuns, Map.of(),
                executionProvider);
        ModelCompressor compressor = calibration == null ? new ModelCompressor(evaluation)
                : new ModelCompressor(evaluation, new CalibrationSettings(0, 0, calibration));
        return request.evaluation().sensitivityOrDefault() ? compressor.measuringSensitivity() : compressor;
    }
}
