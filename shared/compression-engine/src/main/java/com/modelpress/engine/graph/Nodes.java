package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.util.List;

/** Builders for the nodes, attributes and tensors the compression passes add. Stateless. */
public final class Nodes {

    private Nodes() {
    }

    public static NodeProto node(String opType, String name, List<String> inputs, List<String> outputs,
                                 AttributeProto... attributes) {
        return domainNode("", opType, name, inputs, outputs, attributes);
    }

    public static NodeProto domainNode(String domain, String opType, String name, List<String> inputs,
                                       List<String> outputs, AttributeProto... attributes) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(opType).setName(name)
                .addAllInput(inputs).addAllOutput(outputs);
        if (!domain.isEmpty()) {
            node.setDomain(domain);
        }
        for (AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        return node.build();
    }

    public static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    public static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    public static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long value : values) {
            attribute.addInts(value);
        }
        return attribute.build();
    }

    public static AttributeProto stringAttribute(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    /** The {@code value} attribute of a {@code Constant} node. */
    public static AttributeProto constantValue(TensorProto value) {
        return AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(value).build();
    }

    /** The named attribute's integer value, or {@code fallback} when absent. */
    public static long intAttribute(NodeProto node, String name, long fallback) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return attribute.getI();
            }
        }
        return fallback;
    }

    public static float floatAttribute(NodeProto node, String name, float fallback) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return attribute.getF();
            }
        }
        return fallback;
    }

    public static boolean hasAttribute(NodeProto node, String name) {
        return node.getAttributeList().stream().anyMatch(a -> a.getName().equals(name));
    }

    public static TensorProto tensor(String name, int dataType, long[] dims, ByteString raw) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(dataType).setRawData(raw);
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        return tensor.build();
    }

    public static TensorProto int64Tensor(String name, long[] dims, long... values) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        for (long value : values) {
            tensor.addInt64Data(value);
        }
        return tensor.build();
    }

    /** A scalar of the float type {@code dataType} (FLOAT, FLOAT16 or BFLOAT16). */
    public static TensorProto scalar(String name, int dataType, float value) {
        if (dataType == TensorProto.DataType.FLOAT_VALUE) {
            return floatScalar(name, value);
        }
        return TensorProto.newBuilder().setName(name).setDataType(dataType)
                .setRawData(ByteString.copyFrom(TensorCodec.toBytes(dataType, new float[]{value}))).build();
    }

    public static TensorProto floatScalar(String name, float value) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(value).build();
    }
}
