package com.modelpress.engine;

import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pipeline's first step: refuses a request that cannot give a measured model (the output is the input, calibration
 * and evaluation on the same text, a size {@code auto} cannot reach), reads the model and starts its digest.
 *
 * <p>Stateless.
 */
final class LoadStep {

    /**
     * @param input  the file read
     * @param source the model read from it
     * @param digest the input's SHA-256, computed beside the rest of the pipeline
     */
    record Loaded(Path input, OnnxModel source, BackgroundDigest digest) {}

    private LoadStep() {
    }

    /**
     * @throws IllegalArgumentException  when {@code output} is {@code input}, or calibration and evaluation read the same text
     * @throws InvalidModelException     when the input cannot be used
     * @throws SizeTargetException       when {@code auto}'s size cannot be reached
     */
    static Loaded load(Path input, Path output, CompressionMethod method, EvaluationSettings evaluation,
                       CalibrationSettings calibration, ProgressListener progress) throws IOException {
        refuseUnmeasurable(input, output, evaluation, calibration);
        progress.onProgress("read", 0);
        OnnxModel source = OnnxModel.read(input);
        BackgroundDigest digest = BackgroundDigest.of(source.file());
        if (method instanceof CompressionMethod.Auto auto && auto.size() != null) {
            // an unreachable size is refused before any calibration or measurement
            SizeFit.check(source, auto);
        }
        return new Loaded(input, source, digest);
    }

    static void refuseUnmeasurable(Path input, Path output, EvaluationSettings evaluation,
                                   CalibrationSettings calibration) throws IOException {
        if (Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
            throw new IllegalArgumentException("output %s is the input; write the compressed model elsewhere".formatted(output));
        }
        if (calibration.text() != null && evaluation.text() != null
                && calibration.text().sha256().equals(evaluation.text().sha256())) {
            throw new IllegalArgumentException("the calibration text %s and the evaluation text %s are the same text "
                    .formatted(calibration.text().file(), evaluation.text().file())
                    + "(sha256 " + evaluation.text().sha256() + "); fidelity must be measured on text calibration did not see");
        }
    }
}
