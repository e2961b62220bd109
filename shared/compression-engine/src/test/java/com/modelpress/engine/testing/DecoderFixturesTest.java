package com.modelpress.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.engine.testing.DecoderFixtures.Head;
import com.modelpress.engine.testing.DecoderFixtures.Weights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

class DecoderFixturesTest {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @ParameterizedTest
    @EnumSource(Weights.class)
    void everyWeightTypeRunsWithLogitsInItsActivationType(Weights weights) throws OrtException {
        for (Head head : Head.values()) {
            ModelProto model = DecoderFixtures.decoder(DecoderFixtures.SMALL, weights, head, 3);
            try (OrtSession session = ENV.createSession(model.toByteArray());
                 OnnxTensor ids = ids(0, 5, 9, 300, 511, 17);
                 OrtSession.Result result = session.run(Map.of("input_ids", ids))) {
                OnnxTensor logits = (OnnxTensor) result.get("logits").orElseThrow();
                assertThat(logits.getInfo().getShape()).containsExactly(1, 6, DecoderFixtures.SMALL.vocab());
                assertThat(logits.getInfo().type).isEqualTo(weights == Weights.FLOAT16 ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT);
                float[] values = floats(logits);
                double spread = 0;
                for (float v : values) {
                    assertThat(Float.isFinite(v)).isTrue();
                    spread = Math.max(spread, Math.abs(v));
                }
                assertThat(spread).as("logits of %s/%s carry signal", weights, head).isGreaterThan(0.1);
            }
        }
    }

    @Test
    void attentionIsCausal() throws OrtException {
        ModelProto model = DecoderFixtures.decoder(DecoderFixtures.SMALL, Weights.FLOAT32, Head.UNTIED, 4);
        try (OrtSession session = ENV.createSession(model.toByteArray());
             OnnxTensor prefix = ids(1, 2, 3);
             OnnxTensor longer = ids(1, 2, 3, 400, 401);
             OrtSession.Result a = session.run(Map.of("input_ids", prefix));
             OrtSession.Result b = session.run(Map.of("input_ids", longer))) {
            float[] first = floats((OnnxTensor) a.get("logits").orElseThrow());
            float[] second = floats((OnnxTensor) b.get("logits").orElseThrow());
            for (int i = 0; i < first.length; i++) {
                assertThat(second[i]).isCloseTo(first[i], org.assertj.core.api.Assertions.within(1e-4f));
            }
        }
    }

    @Test
    void tiedHeadReadsTheEmbeddingTable() {
        ModelProto model = DecoderFixtures.decoder(DecoderFixtures.SMALL, Weights.FLOAT16, Head.TIED, 5);
        assertThat(model.getGraph().getInitializerList()).noneMatch(t -> t.getName().equals(DecoderFixtures.HEAD));
        assertThat(model.getGraph().getInitializerList()).filteredOn(t -> t.getName().equals(DecoderFixtures.EMBEDDING))
                .singleElement().satisfies(t -> assertThat(t.getDataType()).isEqualTo(DataType.FLOAT16_VALUE));
        assertThat(model.getGraph().getNodeList()).filteredOn(n -> n.getInputList().contains(DecoderFixtures.EMBEDDING))
                .extracting(n -> n.getOpType()).containsExactlyInAnyOrder("Gather", "Transpose");
    }

    private static OnnxTensor ids(long... values) throws OrtException {
        return OnnxTensor.createTensor(ENV, LongBuffer.wrap(values), new long[]{1, values.length});
    }

    private static float[] floats(OnnxTensor tensor) {
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }
}
