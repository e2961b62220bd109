package com.modelpress.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code int8} on a BN-folded depthwise-separable CNN built in code: with calibration the Conv kernels are rounded
 * with GPTQ on their im2col patches and their biases corrected, and the output moves clearly less than with plain
 * per-channel rounding of the same kernels (measured by ONNX Runtime on the same evaluation samples).
 */
class CalibratedConvInt8Test {

    private static final EvaluationSettings EVALUATION = new EvaluationSettings(8, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @Test
    void calibratedRoundingOfConvKernelsBeatsPlainRoundingOnABnFoldedCnn() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.depthwiseSeparableCnn(3), dir.resolve("cnn.onnx"));
        FidelityReport plain = int8(input, CalibrationSettings.none(), "plain");
        FidelityReport calibrated = int8(input, CalibrationSettings.synthesised(EVALUATION.seed()), "calibrated");

        assertThat(plain.tensors()).noneMatch(t -> t.encoding() != null && t.encoding().contains("GPTQ"));
        assertThat(calibrated.tensors().stream().filter(t -> t.method().equals("int8")))
                .isNotEmpty()
                .allMatch(t -> t.encoding().contains("GPTQ on im2col patches") && t.encoding().contains("bias corrected"));
        assertThat(calibrated.notes()).anyMatch(n -> n.contains("im2col patch statistics of 7 Conv/ConvTranspose kernels"));
        double plainSqnr = plain.outputs().getFirst().sqnrDb();
        double calibratedSqnr = calibrated.outputs().getFirst().sqnrDb();
        System.out.printf("int8 SQNR: plain %.2f dB, calibrated %.2f dB%n", plainSqnr, calibratedSqnr);
        // plain 27.4 dB, calibrated 28.6 dB now that the small depthwise kernels (and the head) are int8 as well: they
        // have 9 (or 128) taps to spread an error over, which leaves GPTQ little to gain on them
        assertThat(calibratedSqnr).isGreaterThan(plainSqnr + 1);
        // the corrected biases replace the originals, which are not stored any more
        assertThat(calibrated.sizes().compressedBytes()).isLessThanOrEqualTo(plain.sizes().compressedBytes() + 512);
        assertThat(com.modelpress.engine.graph.OnnxModel.read(dir.resolve("calibrated.onnx")).proto().getGraph()
                .getInitializerList()).noneMatch(t -> t.getName().equals("block2_pw.bias"))
                .anyMatch(t -> t.getName().equals("stem.bias"));
    }

    @Test
    void convTransposeKernelsWithOneTapPerPixelAreCalibratedOnTheirInputChannels() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.upsamplingHead(4), dir.resolve("head.onnx"));
        FidelityReport plain = int8(input, CalibrationSettings.none(), "head-plain");
        FidelityReport calibrated = int8(input, CalibrationSettings.synthesised(EVALUATION.seed()), "head-calibrated");

        assertThat(calibrated.tensors()).filteredOn(t -> t.name().startsWith("up")).hasSize(2)
                .allMatch(t -> t.encoding().equals("DequantizeLinear(axis=1) GPTQ on input channels, bias corrected"));
        double plainSqnr = plain.outputs().getFirst().sqnrDb();
        double calibratedSqnr = calibrated.outputs().getFirst().sqnrDb();
        System.out.printf("upsampling head int8 SQNR: plain %.2f dB, calibrated %.2f dB%n", plainSqnr, calibratedSqnr);
        assertThat(calibratedSqnr).isGreaterThan(plainSqnr + 2);
    }

    @Test
    void autoCalibratesConvKernelsAndMovesOnlyTheTensorsThatNeedItToFp16() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.depthwiseSeparableCnn(3), dir.resolve("cnn.onnx"));
        ModelCompressor compressor = new ModelCompressor(EVALUATION, CalibrationSettings.synthesised(EVALUATION.seed()));

        // calibrated int8 of every kernel, the small depthwise ones included, scores 22.8 dB here
        FidelityReport int8 = compressor.compress(input, dir.resolve("auto22.onnx"), CompressionMethod.auto(
                CompressionOptions.defaults(), new CompressionMethod.Goal(null, 22.0, null), Duration.ofMinutes(2)),
                ProgressListener.NONE);
        assertThat(int8.notes()).anyMatch(n -> n.contains("auto: target SQNR 22.0 dB met"));
        assertThat(int8.tensors().stream().filter(t -> !t.method().equals("kept")))
                .allMatch(t -> t.method().equals("int8") && t.encoding().contains("GPTQ on im2col patches"));

        FidelityReport mixed = compressor.compress(input, dir.resolve("auto30.onnx"), CompressionMethod.auto(
                CompressionOptions.defaults(), new CompressionMethod.Goal(null, 30.0, null), Duration.ofMinutes(2)),
                ProgressListener.NONE);
        System.out.println(String.join("\n", mixed.notes()));
        assertThat(mixed.notes()).anyMatch(n -> n.contains("auto: target SQNR 30.0 dB met"));
        assertThat(mixed.outputs().getFirst().sqnrDb()).isGreaterThanOrEqualTo(30.0);
        assertThat(mixed.tensors()).anyMatch(t -> t.method().equals("fp16")).anyMatch(t -> t.method().equals("int8"));
    }

    private FidelityReport int8(Path input, CalibrationSettings calibration, String name) throws IOException {
        return new ModelCompressor(EVALUATION, calibration).compress(input, dir.resolve(name + ".onnx"),
                CompressionMethod.of("int8", CompressionOptions.defaults()), ProgressListener.NONE);
    }
}
