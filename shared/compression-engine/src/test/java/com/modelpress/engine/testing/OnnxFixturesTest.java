package com.modelpress.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

class OnnxFixturesTest {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @TempDir
    Path dir;

    @Test
    void matMulComputesXTimesWPlusB() throws OrtException {
        ModelProto model = OnnxFixtures.matMul(8, 4, 1);
        float[] x = gaussian(2 * 8, 9);
        Output y = run(model.toByteArray(), Map.of("X", floats(x, 2, 8)));

        float[] w = OnnxFixtures.floats(initializer(model, "W"));
        float[] b = OnnxFixtures.floats(initializer(model, "B"));
        assertThat(y.shape()).containsExactly(2, 4);
        for (int row = 0; row < 2; row++) {
            for (int col = 0; col < 4; col++) {
                double expected = b[col];
                for (int i = 0; i < 8; i++) {
                    expected += x[row * 8 + i] * w[i * 4 + col];
                }
                assertThat(y.values()[row * 4 + col]).isCloseTo((float) expected, within(1e-5f));
            }
        }
    }

    @Test
    void sameSeedGivesSameBytesAndOtherSeedDiffers() {
        assertThat(OnnxFixtures.bertLikeEncoder(50, 16, 1, 3).toByteArray())
                .isEqualTo(OnnxFixtures.bertLikeEncoder(50, 16, 1, 3).toByteArray())
                .isNotEqualTo(OnnxFixtures.bertLikeEncoder(50, 16, 1, 4).toByteArray());
    }

    @Test
    void weightsHaveOutliers() {
        float[] w = OnnxFixtures.floats(initializer(OnnxFixtures.matMul(64, 64, 5), "W"));
        double max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        assertThat(max).isGreaterThan(0.6);
    }

    @Test
    void gemmRunsWithAndWithoutTransB() throws OrtException {
        for (boolean transB : new boolean[] {true, false}) {
            Output y = run(OnnxFixtures.gemm(8, 5, transB, 2).toByteArray(), Map.of("X", floats(gaussian(24, 1), 3, 8)));
            assertThat(y.shape()).containsExactly(3, 5);
        }
    }

    @Test
    void conv2dKeepsSpatialSizeAndAppliesRelu() throws OrtException {
        Output y = run(OnnxFixtures.conv2d(3, 4, 3, 2).toByteArray(),
                Map.of("X", floats(gaussian(3 * 16 * 16, 1), 1, 3, 16, 16)));
        assertThat(y.shape()).containsExactly(1, 4, 16, 16);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : y.values()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isEqualTo(0f);
        assertThat(max).isGreaterThan(0f);
    }

    @Test
    void gatherEmbeddingRuns() throws OrtException {
        Output y = run(OnnxFixtures.gatherEmbedding(100, 8, 2).toByteArray(),
                Map.of("input_ids", longs(new long[] {0, 5, 99, 7, 1, 2}, 2, 3)));
        assertThat(y.shape()).containsExactly(2, 3, 8);
    }

    @Test
    void bertLikeEncoderRunsWithPaddingAndNormalisesItsOutput() throws OrtException {
        long[] ids = new long[2 * 10];
        long[] mask = new long[2 * 10];
        Random random = new Random(3);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(30);
            mask[i] = i % 10 < 7 ? 1 : 0;
        }
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        inputs.put("input_ids", longs(ids, 2, 10));
        inputs.put("attention_mask", longs(mask, 2, 10));
        inputs.put("token_type_ids", longs(new long[20], 2, 10));
        Output y = run(OnnxFixtures.bertLikeEncoder(30, 16, 2, 1).toByteArray(), inputs);

        assertThat(y.shape()).containsExactly(2, 10, 16);
        double mean = 0;
        for (int i = 0; i < 16; i++) {
            mean += y.values()[i];
        }
        assertThat(mean / 16).isCloseTo(0, within(1e-4));
    }

    @Test
    void classifierHasLogitsOutput() throws OrtException {
        ModelProto model = OnnxFixtures.classifier(8, 10, 2);
        assertThat(model.getGraph().getOutput(0).getName()).isEqualTo("logits");
        assertThat(run(model.toByteArray(), Map.of("X", floats(gaussian(8, 1), 1, 8))).shape()).containsExactly(1, 10);
    }

    @Test
    void classifierWithArgMaxPredictsTheLargestLogit() throws OrtException {
        try (OrtSession session = ENV.createSession(OnnxFixtures.classifierWithArgMax(8, 6, 2).toByteArray());
             OnnxTensor x = floats(gaussian(8, 4), 1, 8);
             OrtSession.Result result = session.run(Map.of("X", x))) {
            float[] logits = Output.of((OnnxTensor) result.get("logits").orElseThrow()).values();
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                best = logits[i] > logits[best] ? i : best;
            }
            assertThat(((OnnxTensor) result.get("prediction").orElseThrow()).getLongBuffer().get(0)).isEqualTo(best);
        }
    }

    @Test
    void float16IoModelMatchesTheFloat32ModelToHalfPrecision() throws OrtException {
        float[] x = gaussian(8, 1);
        short[] half = new short[8];
        for (int i = 0; i < 8; i++) {
            half[i] = Float.floatToFloat16(x[i]);
        }
        Output y16;
        try (OrtSession session = ENV.createSession(OnnxFixtures.matMulFloat16Io(8, 4, 2).toByteArray());
             OnnxTensor input = OnnxTensor.createTensor(ENV, java.nio.ShortBuffer.wrap(half), new long[] {1, 8},
                     ai.onnxruntime.OnnxJavaType.FLOAT16);
             OrtSession.Result result = session.run(Map.of("X", input))) {
            assertThat(((OnnxTensor) result.get(0)).getInfo().type).isEqualTo(ai.onnxruntime.OnnxJavaType.FLOAT16);
            y16 = Output.of((OnnxTensor) result.get(0));
        }
        Output y32 = run(OnnxFixtures.matMul(8, 4, 2).toByteArray(), Map.of("X", floats(x, 1, 8)));
        for (int i = 0; i < 4; i++) {
            assertThat(y16.values()[i]).isCloseTo(y32.values()[i], within(0.01f));
        }
    }

    @Test
    void withNoiseChangesWeightsBySmallAmounts() {
        ModelProto model = OnnxFixtures.matMul(16, 16, 1);
        float[] before = OnnxFixtures.initializerValues(model, "W");
        float[] after = OnnxFixtures.initializerValues(OnnxFixtures.withNoise(model, 0.001, 2), "W");
        double sumSquares = 0;
        for (int i = 0; i < before.length; i++) {
            sumSquares += (after[i] - before[i]) * (after[i] - before[i]);
        }
        assertThat(Math.sqrt(sumSquares / before.length)).isBetween(0.0008, 0.0012);
    }

    @Test
    void constantNodeModelHasNoWeightInitializer() throws OrtException {
        ModelProto model = OnnxFixtures.withConstantNode(8, 4, 2);
        assertThat(model.getGraph().getInitializerList()).extracting(TensorProto::getName).containsExactly("B");
        assertThat(run(model.toByteArray(), Map.of("X", floats(gaussian(8, 1), 1, 8))).shape()).containsExactly(1, 4);
    }

    @Test
    void ifBranchesGiveDifferentResults() throws OrtException {
        byte[] model = OnnxFixtures.withIfBranch(8, 4, 2).toByteArray();
        float[] x = gaussian(8, 1);
        Output then = run(model, Map.of("cond", OnnxTensor.createTensor(ENV, true), "X", floats(x, 1, 8)));
        Output otherwise = run(model, Map.of("cond", OnnxTensor.createTensor(ENV, false), "X", floats(x, 1, 8)));
        assertThat(then.shape()).containsExactly(1, 4);
        assertThat(then.values()).isNotEqualTo(otherwise.values());
    }

    @Test
    void externalDataModelLoadsFromPathAndMatchesInlineModel() throws OrtException {
        Path model = OnnxFixtures.withExternalData(dir, 8, 4, 2);
        assertThat(dir.resolve("model.onnx.data")).hasSize(8 * 4 * Float.BYTES);
        float[] x = gaussian(8, 1);
        Output external;
        try (OrtSession session = ENV.createSession(model.toString());
             OnnxTensor input = floats(x, 1, 8);
             OrtSession.Result result = session.run(Map.of("X", input))) {
            external = Output.of((OnnxTensor) result.get(0));
        }
        Output inline = run(OnnxFixtures.matMul(8, 4, 2).toByteArray(), Map.of("X", floats(x, 1, 8)));
        assertThat(external.values()).containsExactly(inline.values());
    }

    @Test
    void paddedEmbeddingDiffersOnlyWhereMasked() throws OrtException {
        long[] ids = {1, 2, 3, 4};
        long[] mask = {1, 1, 0, 0};
        Output a = run(OnnxFixtures.paddedEmbedding(10, 4, 1, 100).toByteArray(),
                Map.of("input_ids", longs(ids, 1, 4), "attention_mask", longs(mask, 1, 4)));
        Output b = run(OnnxFixtures.paddedEmbedding(10, 4, 1, 200).toByteArray(),
                Map.of("input_ids", longs(ids, 1, 4), "attention_mask", longs(mask, 1, 4)));
        for (int i = 0; i < 16; i++) {
            if (i < 8) {
                assertThat(a.values()[i]).isEqualTo(b.values()[i]);
            } else {
                assertThat(a.values()[i]).isNotEqualTo(b.values()[i]);
            }
        }
    }

    @Test
    void scaleWeightsScalesALinearModelsOutput() throws OrtException {
        ModelProto model = OnnxFixtures.matMul(8, 4, 1);
        float[] x = gaussian(8, 3);
        Output y = run(model.toByteArray(), Map.of("X", floats(x, 1, 8)));
        Output scaled = run(OnnxFixtures.scaleWeights(model, 2f).toByteArray(), Map.of("X", floats(x, 1, 8)));
        for (int i = 0; i < 4; i++) {
            assertThat(scaled.values()[i]).isCloseTo(2 * y.values()[i], within(1e-5f));
        }
    }

    @Test
    void writeRoundTrips() throws Exception {
        ModelProto model = OnnxFixtures.gemm(4, 3, true, 1);
        Path file = OnnxFixtures.write(model, dir.resolve("gemm.onnx"));
        assertThat(ModelProto.parseFrom(Files.readAllBytes(file))).isEqualTo(model);
    }

    private record Output(long[] shape, float[] values) {
        static Output of(OnnxTensor tensor) {
            FloatBuffer buffer = tensor.getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return new Output(tensor.getInfo().getShape(), values);
        }
    }

    /** Runs the model once, closing the inputs, and returns its first output. */
    private static Output run(byte[] model, Map<String, OnnxTensor> inputs) throws OrtException {
        try (OrtSession session = ENV.createSession(model);
             OrtSession.Result result = session.run(new HashMap<>(inputs))) {
            return Output.of((OnnxTensor) result.get(0));
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor floats(float[] values, long... shape) throws OrtException {
        return OnnxTensor.createTensor(ENV, FloatBuffer.wrap(values), shape);
    }

    private static OnnxTensor longs(long[] values, long... shape) throws OrtException {
        return OnnxTensor.createTensor(ENV, LongBuffer.wrap(values), shape);
    }

    private static float[] gaussian(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static TensorProto initializer(ModelProto model, String name) {
        return model.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    }
}
