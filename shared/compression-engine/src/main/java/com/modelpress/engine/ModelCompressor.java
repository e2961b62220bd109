package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;

/**
 * Compresses a model and measures the result: the engine's front door. Reads the input, applies the method,
 * writes the output (with external data when needed), then runs both models with ONNX Runtime on the same
 * inputs and returns the {@link FidelityReport}; the steps are {@link CompressionPipeline}'s.
 *
 * <p>Thread-safe: holds only settings; each call works on its own files.
 */
public final class ModelCompressor {

    /** The engine's version, from the build. */
    public static final String VERSION = readVersion();

    /** The precision of an LM head under {@code int4}: measured (see {@link #withHead}) or fixed by the user. */
    public enum Head {
        /** Scored at int4, int8 and kept; the smallest that is not clearly more sensitive per byte than the rest. */
        MEASURED,
        /** 4 bits, like every other tensor. */
        INT4,
        /** 8-bit blocks. */
        INT8,
        /** As stored. */
        KEPT
    }

    private final EvaluationSettings evaluation;
    private final CalibrationSettings calibration;
    private final boolean measureSensitivity;
    private final Head head;

    /** Calibrates (where a method uses calibration) on synthesised samples the evaluation never sees. */
    public ModelCompressor(EvaluationSettings evaluation) {
        this(evaluation, CalibrationSettings.synthesised(evaluation.seed()));
    }

    public ModelCompressor(EvaluationSettings evaluation, CalibrationSettings calibration) {
        this(evaluation, calibration, false, Head.MEASURED);
    }

    private ModelCompressor(EvaluationSettings evaluation, CalibrationSettings calibration, boolean measureSensitivity,
                            Head head) {
        this.evaluation = evaluation;
        this.calibration = calibration;
        this.measureSensitivity = measureSensitivity;
        this.head = head;
    }

    /**
     * A compressor that gives an LM head (the matrix whose product is the {@code logits} output, tied to the embedding
     * table or not) this precision under {@code int4}; the default, {@link Head#MEASURED}, chooses by measurement.
     */
    public ModelCompressor withHead(Head head) {
        return new ModelCompressor(evaluation, calibration, measureSensitivity, Objects.requireNonNull(head));
    }

    /**
     * A compressor whose reports rank the compressed tensors by measured sensitivity: each tensor compressed alone,
     * the rest as in the original, scored on the evaluation samples. Costs one compression and evaluation per tensor.
     */
    public ModelCompressor measuringSensitivity() {
        return new ModelCompressor(evaluation, calibration, true, head);
    }

    /**
     * @param input  an {@code .onnx} file; its external data files must sit in its folder
     * @param output where to write the compressed model; external data goes to {@code <output>.data}. When the
     *               evaluation fails the written files are deleted again: no unmeasured model is left behind
     * @throws InvalidModelException     when the input (or the evaluation inputs) cannot be used
     * @throws UnsupportedModelException when ONNX Runtime cannot run the original or the compressed model
     */
    public FidelityReport compress(Path input, Path output, CompressionMethod method, ProgressListener progress)
            throws IOException {
        return new CompressionPipeline(evaluation, calibration, measureSensitivity, head).run(input, output, method, progress);
    }

    private static String readVersion() {
        try (InputStream in = ModelCompressor.class.getResourceAsStream("engine.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
