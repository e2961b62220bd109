package com.modelpress.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.modelpress.engine.graph.OnnxModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The synthetic decoder is a valid model in both weight types: it passes the engine's checks and runs prefill and decode. */
class SyntheticDecoderTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void runsPrefillAndADecodeStepInOnnxRuntime(boolean float16) throws Exception {
        SyntheticDecoder decoder = new SyntheticDecoder(64, 2, 4, 96, 300, float16);
        Path model = decoder.write(dir, "tiny");
        assertThat(OnnxModel.read(model).externalFiles()).hasSize(1);
        assertThat(Files.size(model.resolveSibling("tiny.onnx.data"))).isGreaterThanOrEqualTo(decoder.weightBytes());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toString())) {
            assertThat(session.getInputNames()).containsExactlyInAnyOrderElementsOf(decoder.inputNames());
            Map<String, OnnxTensor> feeds = new HashMap<>();
            feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{5, 17, 2}), new long[]{1, 3}));
            feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{1, 1, 1}), new long[]{1, 3}));
            for (int layer = 0; layer < 2; layer++) {
                for (String part : new String[]{"key", "value"}) {
                    feeds.put("past_key_values." + layer + "." + part, empty(env, float16));
                }
            }
            try (OrtSession.Result prefill = session.run(feeds)) {
                OnnxTensor logits = (OnnxTensor) prefill.get("logits").orElseThrow();
                assertThat(logits.getInfo().getShape()).containsExactly(1, 3, 300);
                float[] values = floats(logits);
                for (float v : values) {
                    assertThat(v).isFinite();
                }
                OnnxTensor present = (OnnxTensor) prefill.get("present.1.value").orElseThrow();
                assertThat(present.getInfo().getShape()).containsExactly(1, 4, 3, 16);

                // one decode step: the cache of length 3 fed back, the mask one longer
                Map<String, OnnxValue> step = new HashMap<>();
                step.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{9}), new long[]{1, 1}));
                step.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{1, 1, 1, 1}), new long[]{1, 4}));
                for (int layer = 0; layer < 2; layer++) {
                    for (String part : new String[]{"key", "value"}) {
                        step.put("past_key_values." + layer + "." + part, prefill.get("present." + layer + "." + part).orElseThrow());
                    }
                }
                @SuppressWarnings("unchecked")
                Map<String, OnnxTensor> stepFeeds = (Map<String, OnnxTensor>) (Map<String, ?>) step;
                try (OrtSession.Result decode = session.run(stepFeeds)) {
                    assertThat(((OnnxTensor) decode.get("logits").orElseThrow()).getInfo().getShape()).containsExactly(1, 1, 300);
                    assertThat(((OnnxTensor) decode.get("present.0.key").orElseThrow()).getInfo().getShape())
                            .containsExactly(1, 4, 4, 16);
                }
            }
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor empty(OrtEnvironment env, boolean float16) throws Exception {
        long[] shape = {1, 4, 0, 16};
        if (float16) {
            return OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder()), shape,
                    ai.onnxruntime.OnnxJavaType.FLOAT16);
        }
        return OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
    }

    private static float[] floats(OnnxTensor tensor) {
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }
}
