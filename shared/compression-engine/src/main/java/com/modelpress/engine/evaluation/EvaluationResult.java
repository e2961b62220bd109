package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.EvaluationInfo;
import com.modelpress.contracts.FidelityReport.LanguageModelFidelity;
import com.modelpress.contracts.FidelityReport.Latency;
import com.modelpress.contracts.FidelityReport.ModelInfo;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.SentenceEmbeddingFidelity;

import java.util.List;
import java.util.Map;

/**
 * What {@link FidelityEvaluator#evaluate} measured.
 *
 * @param outputs        fidelity of each float output, in the original model's output order
 * @param latency        nullable: {@code null} when {@link EvaluationSettings#latencyRuns()} is 0
 * @param sessionOptions every ONNX Runtime session setting both models ran under, to reproduce the run
 * @param info           where the inputs came from and how each was built
 * @param notes          human-readable remarks: outputs left out and why; empty when there are none
 * @param model          what kind of model the original is, from its graph; never null
 * @param languageModel  nullable: next-token fidelity, only for a decoder LM
 * @param sentenceEmbeddings nullable: pooled sentence-embedding fidelity, only for a text encoder's token vectors
 */
public record EvaluationResult(List<OutputFidelity> outputs, Latency latency, Map<String, String> sessionOptions,
                               EvaluationInfo info, List<String> notes, ModelInfo model,
                               LanguageModelFidelity languageModel, SentenceEmbeddingFidelity sentenceEmbeddings) {

    public EvaluationResult {
        outputs = List.copyOf(outputs);
        sessionOptions = Map.copyOf(sessionOptions);
        notes = List.copyOf(notes);
    }

    /** Without sentence-embedding metrics. */
    public EvaluationResult(List<OutputFidelity> outputs, Latency latency, Map<String, String> sessionOptions,
                            EvaluationInfo info, List<String> notes, ModelInfo model, LanguageModelFidelity languageModel) {
        this(outputs, latency, sessionOptions, info, notes, model, languageModel, null);
    }
}
