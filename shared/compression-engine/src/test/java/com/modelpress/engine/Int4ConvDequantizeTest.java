package com.modelpress.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.TensorCodec;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What 4-bit Conv kernels could be stored as: ONNX Runtime (CPU) runs a {@code Conv} whose kernel comes from
 * {@code DequantizeLinear} of int4 codes in blocks along the flattened kernel ({@code block_size}, opset 21) and a
 * {@code Reshape}, with the output of the same Conv on the float kernel those codes decode to (low nibble first).
 * Opset 21 is the first whose DequantizeLinear takes int4 and blocks.
 */
class Int4ConvDequantizeTest {

    private static final int OUT = 16;
    private static final int IN = 8;
    private static final int FEATURES = IN * 9;
    private static final int BLOCK = 8;

    @Test
    void onnxRuntimeRunsAConvFedByBlockedInt4DequantizeLinearAtOpset21() throws OrtException {
        Random random = new Random(3);
        byte[] codes = new byte[OUT * FEATURES];
        float[] scales = new float[OUT * FEATURES / BLOCK];
        float[] decoded = new float[codes.length];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) (0.01 + random.nextDouble() * 0.05);
        }
        byte[] packed = new byte[codes.length / 2];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (random.nextInt(16) - 8);
            decoded[i] = codes[i] * scales[i / BLOCK];
            packed[i / 2] |= (byte) ((codes[i] & 0x0F) << (i % 2 == 0 ? 0 : 4));
        }
        TensorProto quantized = Nodes.tensor("W_int4", DataType.INT4_VALUE, new long[]{OUT, FEATURES},
                ByteString.copyFrom(packed));
        TensorProto scale = Nodes.tensor("W_scale", DataType.FLOAT_VALUE, new long[]{OUT, FEATURES / BLOCK},
                ByteString.copyFrom(TensorCodec.toFloatBytes(scales)));
        TensorProto shape = Nodes.tensor("W_shape", DataType.INT64_VALUE, new long[]{4},
                ByteString.copyFrom(java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .putLong(OUT).putLong(IN).putLong(3).putLong(3).array()));
        GraphProto blocked = graph(List.of(quantized, scale, shape), List.of(
                Nodes.node("DequantizeLinear", "dq", List.of("W_int4", "W_scale"), List.of("W_flat"),
                        Nodes.intAttribute("axis", 1), Nodes.intAttribute("block_size", BLOCK)),
                Nodes.node("Reshape", "reshape", List.of("W_flat", "W_shape"), List.of("W"))));
        GraphProto plain = graph(List.of(Nodes.tensor("W", DataType.FLOAT_VALUE, new long[]{OUT, IN, 3, 3},
                ByteString.copyFrom(TensorCodec.toFloatBytes(decoded)))), List.of());

        float[] x = new float[IN * 36];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] expected = run(plain, x);
        float[] actual = run(blocked, x);
        assertThat(actual).hasSize(OUT * 36);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-4));
        }
    }

    private static GraphProto graph(List<TensorProto> initializers, List<NodeProto> decode) {
        NodeProto conv = Nodes.node("Conv", "conv", List.of("X", "W"), List.of("Y"), Nodes.intsAttribute("pads", 1, 1, 1, 1));
        return GraphProto.newBuilder().setName("int4_conv").addAllInitializer(initializers).addAllNode(decode)
                .addNode(conv).addInput(value("X", IN)).addOutput(value("Y", OUT)).build();
    }

    private static ValueInfoProto value(String name, int channels) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long dim : new long[]{1, channels, 6, 6}) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static float[] run(GraphProto graph, float[] x) throws OrtException {
        ModelProto model = ModelProto.newBuilder().setIrVersion(10).setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(21)).build();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{1, IN, 6, 6});
             OrtSession.Result result = session.run(Map.of("X", input))) {
            FloatBuffer y = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[y.remaining()];
            y.get(values);
            return values;
        }
    }
}
