package com.modelpress.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a model file stores in its initializers, counted from the declared shapes and types (so inline and external
 * tensors count alike), the same way for the engine's output, ONNX Runtime's and the original.
 *
 * @param initializerBytes bytes of all initializers: elements × element size, 4-bit types half a byte
 * @param floatElements    elements of the float32, float16 and bfloat16 initializers
 */
record StoredWeights(long initializerBytes, long floatElements) {

    static StoredWeights of(Path model) throws IOException {
        ModelProto proto = parse(model);
        double bytes = 0;
        long floats = 0;
        for (TensorProto tensor : proto.getGraph().getInitializerList()) {
            long elements = 1;
            for (long dim : tensor.getDimsList()) {
                elements *= dim;
            }
            bytes += elements * elementBytes(tensor.getDataType());
            int type = tensor.getDataType();
            if (type == DataType.FLOAT_VALUE || type == DataType.FLOAT16_VALUE || type == DataType.BFLOAT16_VALUE) {
                floats += elements;
            }
        }
        return new StoredWeights(Math.round(bytes), floats);
    }

    /** The model file's bytes plus those of every external data file its initializers name. */
    static long fileBytes(Path model) throws IOException {
        Set<String> locations = new LinkedHashSet<>();
        for (TensorProto tensor : parse(model).getGraph().getInitializerList()) {
            for (StringStringEntryProto entry : tensor.getExternalDataList()) {
                if (entry.getKey().equals("location")) {
                    locations.add(entry.getValue());
                }
            }
        }
        long bytes = Files.size(model);
        for (String location : locations) {
            bytes += Files.size(model.resolveSibling(location));
        }
        return bytes;
    }

    private static ModelProto parse(Path model) throws IOException {
        try (InputStream in = Files.newInputStream(model)) {
            com.google.protobuf.CodedInputStream coded = com.google.protobuf.CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            return ModelProto.parseFrom(coded);
        }
    }

    private static double elementBytes(int type) {
        return switch (type) {
            case DataType.INT4_VALUE, DataType.UINT4_VALUE -> 0.5;
            case DataType.UINT8_VALUE, DataType.INT8_VALUE, DataType.BOOL_VALUE, DataType.FLOAT8E4M3FN_VALUE,
                 DataType.FLOAT8E4M3FNUZ_VALUE, DataType.FLOAT8E5M2_VALUE, DataType.FLOAT8E5M2FNUZ_VALUE -> 1;
            case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE, DataType.INT16_VALUE, DataType.UINT16_VALUE -> 2;
            case DataType.FLOAT_VALUE, DataType.INT32_VALUE, DataType.UINT32_VALUE -> 4;
            case DataType.DOUBLE_VALUE, DataType.INT64_VALUE, DataType.UINT64_VALUE, DataType.COMPLEX64_VALUE -> 8;
            case DataType.COMPLEX128_VALUE -> 16;
            default -> 0;
        };
    }
}
