package com.modelpress.engine.evaluation;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import com.modelpress.engine.UnsupportedModelException;

import java.util.Locale;

/**
 * A model input as ONNX Runtime reports it.
 *
 * @param shape    fixed sizes, -1 where the dimension is symbolic or unknown
 * @param dimNames symbolic dimension names, "" where a dimension has none
 */
record InputSpec(String name, OnnxJavaType type, long[] shape, String[] dimNames) {

    InputSpec {
        shape = shape.clone();
        dimNames = dimNames.clone();
    }

    /** @throws UnsupportedModelException when the input is not a tensor (a sequence, a map, …) */
    static InputSpec of(NodeInfo node) {
        if (!(node.getInfo() instanceof TensorInfo tensor)) {
            throw new UnsupportedModelException("input '" + node.getName() + "' is " + node.getInfo()
                    + "; only tensor inputs are supported");
        }
        return new InputSpec(node.getName(), tensor.type, tensor.getShape(), tensor.getDimensionNames());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String[] dimNames() {
        return dimNames.clone();
    }

    int rank() {
        return shape.length;
    }

    boolean isFloat() {
        return switch (type) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16 -> true;
            case INT8, INT16, INT32, INT64, UINT8, BOOL, STRING, UNKNOWN -> false;
        };
    }

    /** The ONNX name of the element type: {@code float32}, {@code int64}, … */
    String typeName() {
        return switch (type) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case INT8, INT16, INT32, INT64, UINT8, BOOL, STRING, FLOAT16, BFLOAT16, UNKNOWN ->
                    type.name().toLowerCase(Locale.ROOT);
        };
    }
}
