package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationResult;
import com.modelpress.engine.evaluation.EvaluationSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link ModelCompressor#compress} as the steps it performs: load → calibrate → plan → quantize and write → evaluate
 * (→ sensitivity, when asked) → report. Each step is a type of its own with one input and one output; this record only
 * hands each step's output to the next, owns what must be closed (calibration's sessions, the decoded values) and
 * keeps the clock.
 *
 * <p>Thread-safe: holds only settings; each run works on its own files.
 *
 * @param measureSensitivity whether the report ranks the compressed tensors by measured sensitivity
 * @param head               the precision of an LM head under {@code int4}
 */
record CompressionPipeline(EvaluationSettings evaluation, CalibrationSettings calibration, boolean measureSensitivity,
                           ModelCompressor.Head head) {

    FidelityReport run(Path input, Path output, CompressionMethod method, ProgressListener progress) throws IOException {
        StepClock clock = new StepClock();
        LoadStep.Loaded model = LoadStep.load(input, output, method, evaluation, calibration, progress);
        clock.lap("read");
        try (CalibrateStep.Calibrated calibrated = CalibrateStep.calibrate(model, method, evaluation, calibration, clock,
                progress)) {
            PlanStep.Plan plan = PlanStep.plan(model, method, calibrated, output, evaluation, head, clock, progress);
            // with sensitivity, the decoded values of every rewritten weight are kept aside to score each tensor alone
            try (DecodedValues decoded = measureSensitivity ? new DecodedValues(output.toAbsolutePath().getParent()) : null) {
                QuantizeStep.Quantized quantized = QuantizeStep.quantize(model, method, plan, calibrated, output, decoded,
                        evaluation, calibration, clock, progress);
                boolean copy = quantized.outcome().nothingToCompress();
                BackgroundDigest outputDigest = BackgroundDigest.of(output);

                EvaluationResult result = EvaluateStep.evaluate(input, output, copy, evaluation, progress);
                clock.lap("evaluate");

                SensitivityStep.Ranking sensitivity = new SensitivityStep.Ranking(plan.searched(), List.of());
                if (measureSensitivity && !copy) {
                    sensitivity = SensitivityStep.rank(model, output, method, quantized.pass(),
                            quantized.outcome().tensors(), decoded, evaluation, progress);
                    clock.lap("sensitivity");
                }
                List<String> stepNotes = Stream.of(calibrated.notes(), plan.notes(), quantized.notes())
                        .flatMap(List::stream).toList();
                return ReportStep.report(method, evaluation.seed(), model.digest().join(), outputDigest.join(), plan,
                        quantized, result, sensitivity, stepNotes, calibrated.text(), clock.timings());
            }
        }
    }
}
