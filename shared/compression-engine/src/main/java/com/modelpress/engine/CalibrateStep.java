package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.OrtMatrixProducts;
import com.modelpress.engine.int4.MatrixProducts;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's calibration step: Conv kernels' im2col patch statistics (int8, int4, and {@code auto}'s int8 and int4
 * of them), and the input moments {@code XᵀX} of the products a calibrated rounding reads: all of them at once for
 * {@code auto}, which searches on them, else planned in groups that the quantize step computes as it reaches their
 * weights.
 *
 * <p>Stateless; what it returns owns ONNX Runtime sessions and must be closed.
 */
final class CalibrateStep {

    /**
     * What calibration gave.
     *
     * @param convs       patch statistics by convolution output; empty when not calibrated
     * @param grouped     nullable: the input moments in groups, when the rounding uses calibration
     * @param products    nullable (with {@code grouped}): where GPTQ's matrix products run
     * @param moments     the input moments computed up front ({@code auto}); else empty
     * @param text        nullable: the calibration text, when one was read
     * @param notes       remarks for the report
     * @param interleaved true when {@code grouped} runs inside the quantize step (every method but {@code auto})
     */
    record Calibrated(ConvCalibration convs, GroupedCalibration grouped, OrtMatrixProducts products,
                      Map<String, double[]> moments, FidelityReport.TextInfo text, List<String> notes,
                      boolean interleaved) implements AutoCloseable {

        /** {@link #products} where there are some, else products in Java. */
        MatrixProducts productsOrJava() {
            return products != null ? products : MatrixProducts.JAVA;
        }

        @Override
        public void close() throws IOException {
            try {
                if (products != null) {
                    products.close();
                }
            } finally {
                if (grouped != null) {
                    grouped.close();
                }
            }
        }
    }

    private CalibrateStep() {
    }

    /** Laps {@code calibrate} for what it computes here; calibration in groups is {@linkplain StepClock#countApart counted apart}. */
    static Calibrated calibrate(LoadStep.Loaded model, CompressionMethod method, EvaluationSettings evaluation,
                                CalibrationSettings calibration, StepClock clock, ProgressListener progress)
            throws IOException {
        List<String> notes = new ArrayList<>();
        ConvCalibration convs = ConvCalibration.none();
        if (quantizes(method) && calibration.enabled()) {
            convs = ConvCalibration.collect(model.source(), method.options(),
                    calibration.on(evaluation.executionProvider(), evaluation.sessionConfig()), progress);
            if (!convs.moments().isEmpty()) {
                notes.addAll(convs.notes());
                clock.lap("calibrate");
            }
        }
        if (!roundsOnCalibration(method) || !calibration.enabled()) {
            if (calibration.text() != null) {
                notes.add("the calibration text %s was not used: %s does not calibrate"
                        .formatted(calibration.text().file(), method.id()));
            }
            return new Calibrated(convs, null, null, Map.of(), null, notes, false);
        }
        GroupedCalibration grouped = GroupedCalibration.plan(model.source(), method.options(),
                calibration.on(evaluation.executionProvider(), evaluation.sessionConfig())
                        .withInputs(evaluation.inputs()), progress);
        OrtMatrixProducts products = null;
        try {
            products = new OrtMatrixProducts(evaluation.executionProvider());
            FidelityReport.TextInfo text = calibration.textInfo(model.input()).orElse(null);
            if (method instanceof CompressionMethod.Auto) {
                Map<String, double[]> moments = grouped.all();
                notes.addAll(grouped.notes());
                clock.lap("calibrate");
                return new Calibrated(convs, grouped, products, moments, text, notes, false);
            }
            clock.countApart("calibrate", grouped::nanos);
            return new Calibrated(convs, grouped, products, Map.of(), text, notes, true);
        } catch (RuntimeException | Error e) {
            try {
                new Calibrated(convs, grouped, products, Map.of(), null, notes, false).close();
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** Methods whose Conv kernels are rounded on their patch statistics. */
    static boolean quantizes(CompressionMethod method) {
        return method instanceof CompressionMethod.Int8 || method instanceof CompressionMethod.Int4
                || method instanceof CompressionMethod.Auto;
    }

    /** Methods whose rounding reads the input moments of the products. */
    static boolean roundsOnCalibration(CompressionMethod method) {
        return method instanceof CompressionMethod.Int4 int4 ? int4.calibrated()
                : method instanceof CompressionMethod.Auto auto && auto.options().roundingUsesCalibration();
    }
}
