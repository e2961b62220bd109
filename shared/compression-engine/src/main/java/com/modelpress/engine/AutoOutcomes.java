package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's account of an {@code auto} search: target, whether it was met, by how much it was missed. Stateless. */
final class AutoOutcomes {

    private AutoOutcomes() {
    }

    /**
     * @param result   the final model's evaluation on the evaluation samples
     * @param choice   nullable: the fidelity search's choice (no size target)
     * @param fitted   nullable: the size fit (a size target)
     * @param bytes    the final model's bytes, external data included
     * @param bitsPerWeight the final model's bits per weight
     */
    static FidelityReport.AutoOutcome of(CompressionMethod.Auto auto, EvaluationResult result, AutoSearch.Choice choice,
                                         SizeFit.Result fitted, long bytes, double bitsPerWeight) {
        List<String> missed = new ArrayList<>(auto.goal() == null ? List.of() : auto.goal().missedBy(result));
        FidelityReport.SizeFit fit = null;
        int evaluations = 0;
        String stoppedEarly = null;
        if (fitted != null) {
            FidelityReport.SizeFit planned = fitted.fit();
            if (bytes > planned.targetBytes()) {
                missed.add("size %d bytes > %d bytes".formatted(bytes, planned.targetBytes()));
            }
            if (auto.size().bitsPerWeight() != null && bitsPerWeight > auto.size().bitsPerWeight()) {
                missed.add(String.format(Locale.ROOT, "%.3f bits per weight > %.3f", bitsPerWeight,
                        auto.size().bitsPerWeight()));
            }
            Double measured = measured(planned.metric(), result);
            List<FidelityReport.CurvePoint> curve = new ArrayList<>(planned.curve());
            curve.add(new FidelityReport.CurvePoint(bytes, bitsPerWeight, planned.predicted(), measured));
            curve.sort(java.util.Comparator.comparingLong(FidelityReport.CurvePoint::bytes));
            fit = new FidelityReport.SizeFit(planned.targetBytes(), planned.targetBitsPerWeight(), bytes, planned.metric(),
                    planned.predicted(), measured, planned.widths(), curve);
            evaluations = fitted.evaluations() + 1;
            stoppedEarly = fitted.stoppedEarly();
        } else if (choice != null) {
            evaluations = choice.evaluations() + 1;
            stoppedEarly = choice.stoppedEarly();
        }
        return new FidelityReport.AutoOutcome(auto.describe(), missed.isEmpty(), missed, evaluations, auto.maxEvaluations(),
                stoppedEarly, fit);
    }

    /**
     * The damage the planner predicts, measured on the evaluation samples: a decoder LM's mean prefill KL (the phase
     * the per-tensor damage was measured on), a logits output's KL, or 1 − the worst output's mean cosine.
     */
    static Double measured(String metric, EvaluationResult result) {
        if (metric.equals("kl")) {
            var lm = result.languageModel();
            if (lm != null && lm.prefill() != null) {
                return lm.prefill().klMean();
            }
            return result.outputs().stream().filter(o -> o.klDivergence() != null)
                    .mapToDouble(FidelityReport.OutputFidelity::klDivergence).max().stream().boxed().findFirst().orElse(null);
        }
        return 1 - FidelityReport.worstCosineMean(result.outputs());
    }
}
