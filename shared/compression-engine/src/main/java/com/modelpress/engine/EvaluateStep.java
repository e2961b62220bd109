package com.modelpress.engine;

import com.modelpress.engine.evaluation.EvaluationResult;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pipeline's evaluation step: runs the original and the written model with ONNX Runtime on the same inputs. A model
 * whose fidelity could not be measured is not a result: when the evaluation fails, the written files are deleted.
 *
 * <p>Stateless.
 */
final class EvaluateStep {

    private EvaluateStep() {
    }

    /**
     * @param copy true when {@code output} is a copy of the input (its external data keeps the input's file names,
     *             which are left alone); else the model's external data is {@code <output>.data}
     * @throws UnsupportedModelException when ONNX Runtime cannot run the original or the written model
     */
    static EvaluationResult evaluate(Path input, Path output, boolean copy, EvaluationSettings evaluation,
                                     ProgressListener progress) throws IOException {
        try {
            return FidelityEvaluator.evaluate(input, output, evaluation, progress);
        } catch (RuntimeException e) {
            Files.deleteIfExists(output);
            if (!copy) {
                Files.deleteIfExists(output.resolveSibling(output.getFileName() + ".data"));
            }
            throw e;
        }
    }
}
