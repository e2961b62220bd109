package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.StepTiming;
import com.modelpress.contracts.FidelityVerdict;
import com.modelpress.engine.evaluation.EvaluationResult;
import com.modelpress.engine.evaluation.OnnxRuntimeInfo;
import com.modelpress.engine.evaluation.ReferenceBands;

import java.util.List;
import java.util.stream.Stream;

/**
 * The pipeline's last step: the {@link FidelityReport} of what the other steps did and measured. The notes come in a
 * fixed order: the verdict, the steps' own (calibration, plan, size fit), the writer's, the evaluation's, the
 * sensitivity's, and the reference bands of each output (not for a decoder LM, whose next-token metrics have their
 * own bands).
 *
 * <p>Stateless.
 */
final class ReportStep {

    private ReportStep() {
    }

    /**
     * @param stepNotes      the calibrate, plan and quantize steps' notes, in that order
     * @param calibrationText nullable: the calibration text, when one was read
     */
    static FidelityReport report(CompressionMethod method, long seed, String inputSha256, String outputSha256,
                                 PlanStep.Plan plan, QuantizeStep.Quantized quantized, EvaluationResult result,
                                 SensitivityStep.Ranking sensitivity, List<String> stepNotes,
                                 FidelityReport.TextInfo calibrationText, List<StepTiming> timings) {
        Compression.Outcome outcome = quantized.outcome();
        long compressedBytes = outcome.compressedBytes();
        FidelityReport.Sizes sizes = new FidelityReport.Sizes(outcome.originalBytes(), compressedBytes,
                (double) compressedBytes / outcome.originalBytes(), outcome.originalWeightBytes(),
                outcome.compressedWeightBytes());
        double bitsPerWeight = bitsPerWeight(outcome);
        FidelityVerdict verdict = FidelityVerdict.of(result.outputs(), result.languageModel());
        List<String> verdictNotes = List.of("verdict %s (bands in FidelityVerdict): %s".formatted(verdict.level(),
                String.join("; ", verdict.basis())));
        List<String> bands = result.languageModel() != null ? List.of()
                : result.outputs().stream().flatMap(o -> ReferenceBands.describe(o).stream()).toList();
        List<String> notes = Stream.of(verdictNotes, stepNotes, outcome.notes(), result.notes(), sensitivity.notes(), bands)
                .flatMap(List::stream).toList();
        FidelityReport.AutoOutcome auto = method instanceof CompressionMethod.Auto a
                ? AutoOutcomes.of(a, result, plan.autoChoice(), quantized.fitted(), compressedBytes, bitsPerWeight) : null;
        return new FidelityReport(FidelityReport.SCHEMA_VERSION, method.id(), method.options(), inputSha256, outputSha256,
                outcome.nothingToCompress(), sizes, bitsPerWeight, result.outputs(), outcome.tensors(), result.latency(),
                result.info(), seed, result.sessionOptions(),
                new FidelityReport.Versions(ModelCompressor.VERSION, OnnxRuntimeInfo.version(), Runtime.version().toString()),
                timings, notes, sensitivity.ranked(), result.model(), result.languageModel(), calibrationText,
                verdict.level(), result.sentenceEmbeddings(), auto, plan.autoCandidates());
    }

    /** Bits per element of the written weights; 0 for a model without weights. */
    static double bitsPerWeight(Compression.Outcome outcome) {
        return outcome.weightElements() == 0 ? 0 : 8.0 * outcome.compressedWeightBytes() / outcome.weightElements();
    }
}
