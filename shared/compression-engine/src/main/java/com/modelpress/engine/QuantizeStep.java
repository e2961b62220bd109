package com.modelpress.engine;

import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.DecodedValuesListener;
import com.modelpress.engine.quant.WeightPass;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline's quantize-and-write step: applies the plan's pass to every eligible weight and writes the model
 * ({@link Compression}: the weights' codes and scales, then the writer), or lets {@code auto}'s size fit write the
 * widths it chooses. Calibration in groups runs inside this step; its time is reported apart.
 *
 * <p>Stateless.
 */
final class QuantizeStep {

    /**
     * What was written.
     *
     * @param outcome the written model's tensors and sizes
     * @param pass    the pass that wrote it (the size fit's, under a size target)
     * @param fitted  nullable: the size fit's result, under a size target
     * @param notes   remarks for the report
     */
    record Quantized(Compression.Outcome outcome, WeightPass pass, SizeFit.Result fitted, List<String> notes) {}

    private QuantizeStep() {
    }

    /**
     * Laps {@code auto size fit} or {@code compress+write}, and ends calibration in groups counted apart.
     *
     * @param decoded nullable: told what each rewritten weight decodes to
     */
    static Quantized quantize(LoadStep.Loaded model, CompressionMethod method, PlanStep.Plan plan,
                              CalibrateStep.Calibrated calibrated, Path output, DecodedValuesListener decoded,
                              EvaluationSettings evaluation, CalibrationSettings calibration, StepClock clock,
                              ProgressListener progress) throws IOException {
        if (plan.sizeFit() != null) {
            SizeFit.Result fitted = plan.sizeFit().fit(model.source(), model.input(), output,
                    measuring(evaluation, calibration), decoded, progress);
            clock.lap("auto size fit");
            return new Quantized(fitted.outcome(), fitted.pass(), fitted, fitted.notes());
        }
        Compression compression = new Compression(method.id(), method.options(), plan.pass(), progress);
        if (calibrated.interleaved()) {
            // the groups are computed as the weights that read them are reached, in graph order
            compression.inGraphOrder();
        }
        Compression.Outcome outcome = compression.run(model.source(), output, decoded);
        clock.lap("compress+write");
        List<String> notes = new ArrayList<>();
        if (calibrated.interleaved()) {
            clock.endApart();
            notes.addAll(calibrated.grouped().notes());
        }
        return new Quantized(outcome, plan.pass(), null, notes);
    }

    /**
     * The samples {@code auto} measures per-tensor damage on when fitting a size: a few of the calibration windows (or
     * samples), prefill only, never the evaluation samples.
     */
    static EvaluationSettings measuring(EvaluationSettings evaluation, CalibrationSettings calibration) {
        EvaluationSettings base = new EvaluationSettings(SizeFit.MEASURE_WINDOWS, calibration.seed(), calibration.dir(), 0,
                evaluation.sessionConfig(), evaluation.executionProvider());
        if (calibration.text() != null) {
            base = base.onText(calibration.text(), SizeFit.MEASURE_WINDOWS, calibration.context());
        }
        return base.withDecodeSteps(0);
    }
}
