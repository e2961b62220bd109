package com.modelpress.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code int4} on a BN-folded depthwise-separable CNN built in code, at the opsets real CNN exports use (11, 12),
 * at 13 and at 21: the large pointwise kernels are stored as 4-bit codes packed two per byte and decoded in the graph
 * with ops of that opset, rounded with GPTQ on their im2col patches and bias-corrected; the stem, the depthwise
 * kernels and the small pointwise one stay int8. The model loads in ONNX Runtime, which folds the decode into float
 * kernels at session creation, and the output stays close.
 */
class Int4ConvTest {

    private static final EvaluationSettings EVALUATION = new EvaluationSettings(8, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {11, 13, 21})
    void largeConvKernelsTakeFourBitCodesAtAnyOpset(int opset) throws Exception {
        ModelProto model = atOpset(OnnxFixtures.depthwiseSeparableCnn(3), opset);
        Path input = OnnxFixtures.write(model, dir.resolve("cnn.onnx"));
        ModelCompressor compressor = new ModelCompressor(EVALUATION, CalibrationSettings.synthesised(EVALUATION.seed()));
        // names kept: the kernel ONNX Runtime folds is found below by its decoded value's name
        FidelityReport int4 = compressor.compress(input, dir.resolve("int4.onnx"),
                CompressionMethod.of("int4", CompressionOptions.defaults().withKeepNames(true)), ProgressListener.NONE);
        FidelityReport int8 = compressor.compress(input, dir.resolve("int8.onnx"),
                CompressionMethod.of("int8", CompressionOptions.defaults()), ProgressListener.NONE);

        assertThat(int4.tensors()).filteredOn(t -> t.bits() == 4)
                .extracting(TensorReport::name).containsExactlyInAnyOrder("block1_pw.weight", "block2_pw.weight");
        assertThat(int4.tensors()).filteredOn(t -> t.name().equals("block2_pw.weight")).singleElement()
                .satisfies(t -> {
                    assertThat(t.encoding()).contains("4-bit codes in uint8", "GPTQ on im2col patches", "bias corrected");
                    assertThat(t.blockSize()).isEqualTo(32);
                    // 4 bits a code, a float16 scale per 32 codes, a few bytes of decode constants
                    assertThat(t.compressedBytes()).isLessThan(t.elements() * 58 / 100);
                });
        assertThat(int4.tensors()).filteredOn(t -> t.name().startsWith("stem") || t.name().contains("_dw")
                || t.name().startsWith("block0_pw") || t.name().startsWith("head")).allSatisfy(t -> assertThat(t.bits()).isEqualTo(8));
        long int4Bytes = Files.size(dir.resolve("int4.onnx"));
        long int8Bytes = Files.size(dir.resolve("int8.onnx"));
        System.out.printf("opset %d: int4 %d bytes, SQNR %.2f dB; int8 %d bytes, SQNR %.2f dB%n", opset, int4Bytes,
                int4.outputs().getFirst().sqnrDb(), int8Bytes, int8.outputs().getFirst().sqnrDb());
        assertThat(int4Bytes).isLessThan(int8Bytes * 8 / 10);
        // 4 bits on two of seven layers of random Gaussian kernels, each channel's range spread by a folded batch norm:
        // 10.5 dB here (int8 28.6 dB); real CNNs are measured in bench/run cnn
        assertThat(int4.outputs().getFirst().sqnrDb()).isGreaterThan(9.5);

        ModelProto written = OnnxModel.read(dir.resolve("int4.onnx")).proto();
        assertThat(written.getOpsetImport(0).getVersion()).isEqualTo(opset);
        assertThat(written.getGraph().getNodeList()).extracting(NodeProto::getOpType).contains("Floor", "Concat");
        ModelProto optimized = folded(dir.resolve("int4.onnx"), dir.resolve("int4-optimized.onnx"));
        assertThat(optimized.getGraph().getNodeList()).extracting(NodeProto::getOpType)
                .doesNotContain("Floor", "Concat", "Reshape", "Cast");
        // the kernel ONNX Runtime folded is the one the codes and scales decode to
        float[] kernel = floats(initializer(optimized, "block2_pw.weight"));
        byte[] packed = initializer(written, "block2_pw.weight_int4").getRawData().toByteArray();
        ByteBuffer scales = initializer(written, "block2_pw.weight_scale").getRawData().asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(kernel).hasSize(2 * packed.length);
        for (int i = 0; i < kernel.length; i++) {
            int b = packed[i % packed.length] & 0xff;
            int code = (i < packed.length ? b >> 4 : b & 15) - 8;
            assertThat(kernel[i]).as("element %d", i).isEqualTo(code * Float.float16ToFloat(scales.getShort(i / 32 * 2)));
        }
    }

    @org.junit.jupiter.api.Test
    void withoutPatchStatisticsConvKernelsStayInt8() throws IOException {
        Path input = OnnxFixtures.write(atOpset(OnnxFixtures.depthwiseSeparableCnn(3), 11), dir.resolve("cnn.onnx"));
        FidelityReport plain = new ModelCompressor(EVALUATION, CalibrationSettings.none()).compress(input,
                dir.resolve("plain.onnx"), CompressionMethod.of("int4", CompressionOptions.defaults()), ProgressListener.NONE);
        assertThat(plain.tensors()).filteredOn(t -> t.name().endsWith(".weight") && !t.method().equals("kept"))
                .isNotEmpty().allSatisfy(t -> assertThat(t.bits()).isEqualTo(8));
    }

    private static TensorProto initializer(ModelProto model, String name) {
        return model.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no initializer " + name));
    }

    private static float[] floats(TensorProto tensor) {
        assertThat(tensor.getDataType()).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        float[] values = new float[tensor.getRawData().size() / 4];
        tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** The model as ONNX Runtime optimizes it at session creation (basic level: constant folding). */
    private static ModelProto folded(Path model, Path optimized) throws OrtException, IOException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            options.setOptimizedModelFilePath(optimized.toString());
            try (OrtSession ignored = OrtEnvironment.getEnvironment().createSession(model.toString(), options)) {
                return OnnxModel.read(optimized).proto();
            }
        }
    }

    private static ModelProto atOpset(ModelProto model, int opset) {
        return model.toBuilder().clearOpsetImport()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setIrVersion(opset >= 21 ? 10 : 7).build();
    }
}
