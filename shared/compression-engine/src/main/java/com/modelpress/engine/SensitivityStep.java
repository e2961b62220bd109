package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.quant.WeightPass;
import com.modelpress.files.FileTrees;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pipeline's optional step when sensitivity is asked for: each compressed tensor alone, encoded as in the final
 * model, scored on the evaluation samples. Tensors whose decoded values were recorded are swapped into the original in
 * an ONNX Runtime session (no model written, the original's outputs computed once); the others (weights in
 * {@code Constant} nodes or subgraphs, encodings that ONNX Runtime runs with kernels of its own) are measured by writing
 * the model with only that tensor compressed.
 *
 * <p>Stateless.
 */
final class SensitivityStep {

    /**
     * @param ranked the tensors, most sensitive first
     * @param notes  how they were measured, for the report
     */
    record Ranking(List<FidelityReport.TensorSensitivity> ranked, List<String> notes) {}

    private SensitivityStep() {
    }

    /**
     * @param pass    the pass that wrote the final model
     * @param decoded nullable: the decoded values of the rewritten weights
     * @param output  the final model: scratch models go beside it
     */
    static Ranking rank(LoadStep.Loaded model, Path output, CompressionMethod method, WeightPass pass,
                        List<FidelityReport.TensorReport> tensors, DecodedValues decoded, EvaluationSettings evaluation,
                        ProgressListener progress) throws IOException {
        EvaluationSettings scoring = evaluation.withoutLatency();
        List<FidelityReport.TensorReport> compressed = tensors.stream().filter(t -> !t.method().equals("kept")).toList();
        List<FidelityReport.TensorSensitivity> ranked = new ArrayList<>();
        FidelityEvaluator.Reference reference = null;
        int rewritten = 0;
        Path scratch = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".modelpress-sensitivity-");
        try {
            Path alone = scratch.resolve("alone.onnx");
            for (FidelityReport.TensorReport tensor : compressed) {
                if (reference == null) {
                    reference = new FidelityEvaluator.Reference(model.input(), scoring);
                }
                FloatBuffer values = decoded == null ? null : decoded.values(tensor.name());
                List<FidelityReport.OutputFidelity> outputs;
                if (values != null) {
                    outputs = reference.withInitializer(tensor.name(), decoded.dims(tensor.name()),
                            decoded.dataType(tensor.name()), values);
                } else {
                    outputs = reference.score(onlyThis(model.source(), method, pass, tensor.name(), alone));
                    rewritten++;
                }
                double cosine = FidelityReport.worstCosineMean(outputs);
                ranked.add(new FidelityReport.TensorSensitivity(tensor.name(), tensor.method(), tensor.bits(), 1 - cosine));
                progress.onProgress("sensitivity", (double) ranked.size() / compressed.size());
            }
        } finally {
            FileTrees.delete(scratch);
        }
        ranked.sort(Comparator.comparingDouble(FidelityReport.TensorSensitivity::cosineLoss).reversed());
        return new Ranking(ranked, List.of("sensitivity: %d tensors measured alone (%d with decoded weights swapped into the original, %d by rewriting the model)"
                .formatted(ranked.size(), ranked.size() - rewritten, rewritten)));
    }

    /** Writes {@code source} to {@code alone} with only the tensor {@code name} compressed, as {@code pass} does. */
    private static Path onlyThis(OnnxModel source, CompressionMethod method, WeightPass pass, String name, Path alone)
            throws IOException {
        WeightPass onlyThis = (weight, vals, scope) -> weight.name().equals(name)
                ? pass.apply(weight, vals, scope)
                : WeightPass.kept(weight, "sensitivity: measured alone");
        new Compression(method.id(), method.options(), onlyThis, ProgressListener.NONE).run(source, alone);
        return alone;
    }
}
