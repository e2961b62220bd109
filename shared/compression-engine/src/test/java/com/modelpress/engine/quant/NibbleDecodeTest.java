package com.modelpress.engine.quant;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.modelpress.engine.graph.Nodes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.FloatBuffer;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The decode nodes run in ONNX Runtime on every byte value: each half comes out as the order says. */
class NibbleDecodeTest {

    @ParameterizedTest
    @EnumSource(NibbleDecode.Order.class)
    void splitsEveryByteIntoItsTwoCodes(NibbleDecode.Order order) throws OrtException {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        NibbleDecode decode = new NibbleDecode(order, 0);
        NibbleDecode.Values values = new NibbleDecode.Values("f", "hf", "h", "hs", "l", "codes");
        GraphProto graph = GraphProto.newBuilder().setName("nibbles")
                .addInitializer(Nodes.tensor("bytes", DataType.UINT8_VALUE, new long[]{256}, ByteString.copyFrom(bytes)))
                .addAllInitializer(NibbleDecode.constants("sixteenth", "sixteen"))
                .addAllNode(decode.nodes("bytes", "sixteenth", "sixteen", values, step -> "node_" + values.of(step)))
                .addOutput(ValueInfoProto.newBuilder().setName("codes").setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE))))
                .build();
        ModelProto model = ModelProto.newBuilder().setIrVersion(7).setGraph(graph)
                .addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setVersion(7)).build();

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
             OrtSession.Result result = session.run(Map.<String, OnnxTensor>of())) {
            FloatBuffer codes = ((OnnxTensor) result.get(0)).getFloatBuffer();
            assertThat(codes.remaining()).isEqualTo(512);
            for (int i = 0; i < 256; i++) {
                float low = i & 0xf;
                float high = i >>> 4;
                assertThat(codes.get(i)).as("byte %d, first half", i)
                        .isEqualTo(order == NibbleDecode.Order.LOW_FIRST ? low : high);
                assertThat(codes.get(256 + i)).as("byte %d, second half", i)
                        .isEqualTo(order == NibbleDecode.Order.LOW_FIRST ? high : low);
            }
        }
    }
}
