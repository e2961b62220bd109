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
import java.util.Map;

/**
 * {@code int8} of the small Conv kernels a mobile CNN is full of (depthwise 3×3: channels × 9 elements), under the
 * default size floor, and of Conv + BatchNormalization pairs as Paddle exports them: the normalization is folded into
 * the kernel and bias before rounding, its four vectors are gone, and ONNX Runtime runs the result (it scores it).
 */
class SmallConvKernelsTest {

    private static final EvaluationSettings EVALUATION = new EvaluationSettings(8, 7, null, 0, Map.of());

    @TempDir
    Path dir;

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

        double plainSqnr = plain.outputs().getFirst().sqnrDb();
        double calibratedSqnr = calibrated.outputs().getFirst().sqnrDb();
        System.out.printf("int8 with BatchNormalization folded: size %.3f, SQNR plain %.2f dB, calibrated %.2f dB%n",
                calibrated.sizes().ratio(), plainSqnr, calibratedSqnr);
        // 0.300 here: the float stem and its normalization weigh more in a model this small than in a real one
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
                CompressionMethod.of("int8", CompressionOptions.defaults()), ProgressListener.NONE);
    }
}
