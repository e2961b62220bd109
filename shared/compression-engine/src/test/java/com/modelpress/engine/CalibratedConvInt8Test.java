package com.modelpress.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
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
 * per-channel rounding of the same kernels (measured by ONNX Runtime on the same evaluation samples). The small Conv
 * kernels a mobile CNN is full of (depthwise 3×3: channels × 9 elements) are int8 under the default size floor, and a
 * Conv + BatchNormalization pair as Paddle exports it has the normalization folded into kernel and bias before rounding.
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
        // the corrected biases replace the originals, which are not stored any more (both keep the graph's names, which
        // would otherwise differ in length)
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

    @Test
    void depthwiseKernelsAreInt8AndBatchNormalizationIsFoldedIntoTheConvBeforeRounding() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.depthwiseSeparableCnnWithBatchNorm(5), dir.resolve("cnn.onnx"));
        FidelityReport calibrated = int8(input, CalibrationSettings.synthesised(EVALUATION.seed()), "calibrated");
        FidelityReport plain = int8(input, CalibrationSettings.none(), "plain");

        for (FidelityReport report : new FidelityReport[]{calibrated, plain}) {
            // the stem (3 input channels, 432 elements) stays float32 under the default floor; every other kernel is int8
            assertThat(report.tensors()).filteredOn(t -> t.name().endsWith(".weight")).hasSize(7)
                    .allMatch(t -> t.method().equals("int8")).noneMatch(t -> t.name().equals("stem.weight"));
            assertThat(report.tensors()).filteredOn(t -> t.name().endsWith("_dw.weight") || t.name().endsWith("_pw.weight"))
                    .hasSize(6).allMatch(t -> t.encoding().contains("BatchNormalization folded"));
        }
        assertThat(calibrated.tensors()).filteredOn(t -> t.name().equals("block0_dw.weight")).singleElement()
                .matches(t -> t.elements() == 144 && t.encoding().contains("GPTQ on im2col patches") && t.encoding().endsWith("bias corrected")
                        && t.encoding().contains("BatchNormalization folded"));
        var graph = OnnxModel.read(dir.resolve("calibrated.onnx")).proto().getGraph();
        // the stem's normalization stays with its float kernel; the six others are folded away
        assertThat(graph.getNodeList()).filteredOn(n -> n.getOpType().equals("BatchNormalization")).hasSize(1);
        assertThat(graph.getInitializerList()).filteredOn(t -> t.getName().contains(".bn.")).hasSize(4)
                .allMatch(t -> t.getName().startsWith("stem."));
        // the folded biases of 64 and 128 channels are float16, each read by a Cast to float32 that feeds its Conv; 16
        // channels would save 32 bytes, no more than the Cast costs, and the head's single channel stay float32
        var biases = graph.getInitializerList().stream().filter(t -> t.getName().endsWith("_corrected_bias")).toList();
        assertThat(biases).hasSize(7);
        assertThat(biases).filteredOn(t -> t.getDims(0) > 16).hasSize(5)
                .allMatch(t -> t.getDataType() == ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16_VALUE)
                .allMatch(t -> graph.getNodeList().stream().anyMatch(n -> n.getOpType().equals("Cast")
                        && n.getInput(0).equals(t.getName()) && graph.getNodeList().stream().anyMatch(conv ->
                        conv.getOpType().equals("Conv") && conv.getInputCount() > 2 && conv.getInput(2).equals(n.getOutput(0)))));
        assertThat(biases).filteredOn(t -> t.getDims(0) <= 16).hasSize(2)
                .allMatch(t -> t.getDataType() == ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE);

        double plainSqnr = plain.outputs().getFirst().sqnrDb();
        double calibratedSqnr = calibrated.outputs().getFirst().sqnrDb();
        System.out.printf("int8 with BatchNormalization folded: size %.3f, SQNR plain %.2f dB, calibrated %.2f dB%n",
                calibrated.sizes().ratio(), plainSqnr, calibratedSqnr);
        // 0.297 here: the float stem and its normalization weigh more in a model this small than in a real one
        assertThat(calibrated.sizes().ratio()).isLessThanOrEqualTo(0.31);
        assertThat(plainSqnr).isGreaterThan(20);
        // plain 40.8 dB, calibrated 44.9 dB
        assertThat(calibratedSqnr).isGreaterThan(plainSqnr + 2.5);
    }

    @Test
    void aKernelWhoseInt8CodesWouldNotPayForTheirDecodeStaysFloat() throws IOException {
        Path tiny = OnnxFixtures.write(OnnxFixtures.conv2d(8, 1, 1, 2), dir.resolve("tiny.onnx"));
        Path small = OnnxFixtures.write(OnnxFixtures.conv2d(8, 8, 3, 2), dir.resolve("small.onnx"));
        Path stem = OnnxFixtures.write(OnnxFixtures.conv2d(3, 32, 3, 2), dir.resolve("stem.onnx"));

        FidelityReport kept = int8(tiny, CalibrationSettings.none(), "tiny-int8");
        FidelityReport compressed = int8(small, CalibrationSettings.none(), "small-int8");

        // W [1,8,1,1]: 8 elements would save 3·8 − 4·1 = 20 bytes, less than the decode node and names cost
        assertThat(kept.tensors()).noneMatch(t -> t.name().equals("W"));
        assertThat(kept.notes()).anyMatch(n -> n.contains("no tensor qualified"));
        // W [8,8,3,3]: 576 elements, under the default floor of 1024 but a Conv kernel that saves bytes
        assertThat(compressed.tensors()).filteredOn(t -> t.name().equals("W")).singleElement()
                .matches(t -> t.method().equals("int8") && t.elements() == 576);
        assertThat(compressed.outputs().getFirst().sqnrDb()).isGreaterThan(35);
        // a stem reading 3 image channels stays float32 under the default floor
        assertThat(int8(stem, CalibrationSettings.none(), "stem-int8").tensors()).noneMatch(t -> t.name().equals("W"));
        // an explicit floor is the user's: it applies to Conv kernels too
        FidelityReport floored = new ModelCompressor(EVALUATION, CalibrationSettings.none()).compress(small,
                dir.resolve("small-floored.onnx"), CompressionMethod.of("int8",
                        new CompressionOptions(null, null, java.util.List.of(), 1000L)), ProgressListener.NONE);
        assertThat(floored.tensors()).noneMatch(t -> t.name().equals("W"));
    }

    private FidelityReport int8(Path input, CalibrationSettings calibration, String name) throws IOException {
        return new ModelCompressor(EVALUATION, calibration).compress(input, dir.resolve(name + ".onnx"),
                CompressionMethod.of("int8", CompressionOptions.defaults().withKeepNames(true)), ProgressListener.NONE);
    }
}
