package com.modelpress.bench;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.modelpress.engine.graph.TensorCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bfloat16 checkpoint built in code from a float32 decoder: every float32 weight of at least
 * {@value #MIN_ELEMENTS} elements is rounded to bfloat16 (nearest even) and read through {@code Cast(to=float)}, as
 * a bf16 model runs on a CPU that computes in float32; activations, inputs and outputs stay float32. For the
 * {@code llm} bench: a real trained model in the third weight dtype decoders ship in.
 */
final class Bf16Decoder {

    static final int MIN_ELEMENTS = 1024;

    private Bf16Decoder() {
    }

    /** Writes the bf16 variant of {@code fp32} to {@code out} (inline data; the bench's models are small). */
    static Path write(Path fp32, Path out) throws IOException {
        ModelProto model;
        try (InputStream in = Files.newInputStream(fp32)) {
            com.google.protobuf.CodedInputStream coded = com.google.protobuf.CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        }
        GraphProto graph = model.getGraph();
        GraphProto.Builder rebuilt = graph.toBuilder().clearInitializer().clearNode();
        for (TensorProto tensor : graph.getInitializerList()) {
            long elements = TensorCodec.elementCount(tensor);
            if (tensor.getDataType() != DataType.FLOAT_VALUE || elements < MIN_ELEMENTS || !tensor.hasRawData()) {
                rebuilt.addInitializer(tensor);
                continue;
            }
            ByteBuffer floats = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer halves = ByteBuffer.allocate(Math.toIntExact(2 * elements)).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < elements; i++) {
                halves.putShort(TensorCodec.toBfloat16(floats.getFloat()));
            }
            String stored = tensor.getName() + "_bf16";
            rebuilt.addInitializer(tensor.toBuilder().setName(stored).setDataType(DataType.BFLOAT16_VALUE)
                    .setRawData(ByteString.copyFrom(halves.array())));
            rebuilt.addNode(NodeProto.newBuilder().setOpType("Cast").setName(stored + "_to_float").addInput(stored)
                    .addOutput(tensor.getName()).addAttribute(AttributeProto.newBuilder().setName("to")
                            .setType(AttributeProto.AttributeType.INT).setI(DataType.FLOAT_VALUE)));
        }
        rebuilt.addAllNode(graph.getNodeList());
        try (OutputStream stream = Files.newOutputStream(out)) {
            model.toBuilder().setGraph(rebuilt).build().writeTo(stream);
        }
        return out;
    }
}
