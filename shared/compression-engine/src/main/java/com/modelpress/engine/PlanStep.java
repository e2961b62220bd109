package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int4.Int4Pass;
import com.modelpress.engine.int8.Int8Pass;
import com.modelpress.engine.quant.PatchMoments;
import com.modelpress.engine.quant.WeightPass;
import com.modelpress.files.FileTrees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pipeline's planning step: how each weight will be encoded. {@code auto} with a size leaves that to the size fit
 * (it plans as it writes); {@code auto} with a fidelity target searches for a mix of precisions; every other method
 * takes its pass, rounding on the calibration where it has one, and under {@code int4} an LM head's precision is
 * measured ({@link HeadPrecision}).
 *
 * <p>Stateless.
 */
final class PlanStep {

    /**
     * How the weights will be encoded.
     *
     * @param pass       nullable (with {@code sizeFit}): what to do with each eligible weight
     * @param sizeFit    nullable: {@code auto}'s size fit, which chooses the widths as it writes
     * @param autoChoice nullable: {@code auto}'s fidelity search's choice
     * @param searched   the per-tensor losses {@code auto}'s search measured, most sensitive first; else empty
     * @param notes      remarks for the report
     */
    record Plan(WeightPass pass, SizeFit sizeFit, AutoSearch.Choice autoChoice,
                List<FidelityReport.TensorSensitivity> searched, List<String> notes) {

        /** Every mix {@code auto}'s search scored, in order; empty without a search. */
        List<FidelityReport.AutoCandidate> autoCandidates() {
            return autoChoice == null ? List.of() : autoChoice.candidates();
        }
    }

    private PlanStep() {
    }

    /**
     * Laps {@code auto search} and {@code head precision} when they run.
     *
     * @param output where the model will be written: scratch models go beside it
     */
    static Plan plan(LoadStep.Loaded model, CompressionMethod method, CalibrateStep.Calibrated calibrated, Path output,
                     EvaluationSettings evaluation, ModelCompressor.Head head, StepClock clock,
                     ProgressListener progress) throws IOException {
        if (method instanceof CompressionMethod.Auto auto && auto.size() != null) {
            return new Plan(null, new SizeFit(auto, calibrated.moments()::get, calibrated.productsOrJava()), null,
                    List.of(), List.of());
        }
        if (method instanceof CompressionMethod.Auto auto) {
            return search(model, auto, calibrated, output, evaluation, clock, progress);
        }
        WeightPass pass = pass(method, calibrated);
        List<String> notes = new ArrayList<>();
        if (method instanceof CompressionMethod.Int4) {
            pass = withMeasuredHead(model, method, pass, output, evaluation, head, notes, clock);
        }
        return new Plan(pass, null, null, List.of(), notes);
    }

    /** The method's pass, rounding on what calibration gave; Conv kernels on their patches where they have them. */
    static WeightPass pass(CompressionMethod method, CalibrateStep.Calibrated calibrated) {
        Map<String, PatchMoments> convs = calibrated.convs().moments();
        WeightPass pass;
        if (calibrated.grouped() != null) {
            // calibration in groups, interleaved with the compression of the weights that read them
            pass = Compression.passFor(method, calibrated.grouped(), calibrated.products());
        } else if (method instanceof CompressionMethod.Int8 && !convs.isEmpty()) {
            // int8 with Conv kernels calibrated on their im2col patches
            pass = new Int8Pass(convs::get);
        } else {
            pass = Compression.passFor(method, calibrated.moments());
        }
        if (pass instanceof Int4Pass int4 && !convs.isEmpty()) {
            int4.calibratingConvs(convs::get);
        }
        return pass;
    }

    private static Plan search(LoadStep.Loaded model, CompressionMethod.Auto auto, CalibrateStep.Calibrated calibrated,
                               Path output, EvaluationSettings evaluation, StepClock clock, ProgressListener progress)
            throws IOException {
        AutoSearch search = new AutoSearch(auto, evaluation, calibrated.moments(), calibrated.convs().moments(), progress);
        AutoSearch.Choice choice;
        Path scratch = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".modelpress-auto-");
        try {
            choice = search.search(model.source(), model.input(), scratch);
        } finally {
            FileTrees.delete(scratch);
        }
        clock.lap("auto search");
        List<String> notes = new ArrayList<>(choice.trace());
        notes.add("auto: target %s %s".formatted(auto.describe(),
                choice.targetMet() ? "met" : "NOT met; this is the closest model found"));
        List<FidelityReport.TensorSensitivity> searched = search.measuredLoss().entrySet().stream()
                .map(e -> new FidelityReport.TensorSensitivity(e.getKey(), "int4", 4, e.getValue()))
                .sorted(Comparator.comparingDouble(FidelityReport.TensorSensitivity::cosineLoss).reversed())
                .toList();
        return new Plan(search.pass(choice.assignment(), choice.rest(), calibrated.moments()), null, choice, searched,
                notes);
    }

    /** {@code pass} with an LM head's precision measured, not assumed (see {@link HeadPrecision}); as is without a head. */
    private static WeightPass withMeasuredHead(LoadStep.Loaded model, CompressionMethod method, WeightPass pass,
                                               Path output, EvaluationSettings evaluation, ModelCompressor.Head head,
                                               List<String> notes, StepClock clock) throws IOException {
        Optional<Weight> lmHead = HeadPrecision.find(model.source(), method);
        if (lmHead.isEmpty()) {
            return pass;
        }
        WeightPass chosen;
        Path scratch = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".modelpress-head-");
        try {
            chosen = HeadPrecision.choose(lmHead.get(), head, model.source(), model.input(), scratch, method, pass,
                    evaluation, notes);
        } finally {
            FileTrees.delete(scratch);
        }
        clock.lap("head precision");
        return chosen;
    }
}
