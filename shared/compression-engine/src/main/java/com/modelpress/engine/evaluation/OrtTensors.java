package com.modelpress.engine.evaluation;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.modelpress.engine.UnsupportedModelException;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Optional;

/** Converts between {@link NpyArray} sample values and ONNX Runtime tensors. Thread-safe: no state. */
final class OrtTensors {

    private OrtTensors() {
    }

    /**
     * A tensor of {@code type} holding {@code array}'s values, converted as numpy's {@code astype} would
     * (integers narrowed by truncation, bools as 0/1, floats rounded to float16/bfloat16). The caller owns it.
     *
     * @param input the model input's name, for the error message
     * @throws UnsupportedModelException for string and unknown element types
     */
    static OnnxTensor create(OrtEnvironment env, String input, NpyArray array, OnnxJavaType type)
            throws OrtException {
        long[] shape = array.shape();
        return switch (type) {
            case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(array.toFloats()), shape);
            case DOUBLE -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(array.toDoubles()), shape);
            case FLOAT16, BFLOAT16 -> {
                float[] values = array.toFloats();
                short[] bits = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    bits[i] = type == OnnxJavaType.FLOAT16 ? Float.floatToFloat16(values[i]) : toBfloat16(values[i]);
                }
                yield OnnxTensor.createTensor(env, ShortBuffer.wrap(bits), shape, type);
            }
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(array.toLongs()), shape);
            case INT32 -> {
                long[] values = array.toLongs();
                int[] narrowed = new int[values.length];
                for (int i = 0; i < values.length; i++) {
                    narrowed[i] = (int) values[i];
                }
                yield OnnxTensor.createTensor(env, IntBuffer.wrap(narrowed), shape);
            }
            case INT16 -> {
                long[] values = array.toLongs();
                short[] narrowed = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    narrowed[i] = (short) values[i];
                }
                yield OnnxTensor.createTensor(env, ShortBuffer.wrap(narrowed), shape, type);
            }
            case INT8, UINT8, BOOL -> {
                long[] values = array.toLongs();
                byte[] narrowed = new byte[values.length];
                for (int i = 0; i < values.length; i++) {
                    narrowed[i] = type == OnnxJavaType.BOOL ? (byte) (values[i] != 0 ? 1 : 0) : (byte) values[i];
                }
                yield OnnxTensor.createTensor(env, ByteBuffer.wrap(narrowed), shape, type);
            }
            case STRING, UNKNOWN -> throw new UnsupportedModelException(
                    "input '" + input + "' has element type " + type + "; only numeric and bool inputs are supported");
        };
    }

    /**
     * The values of a float32, float64, float16 or bfloat16 tensor as float32, in C order; empty for any other
     * value (integer, bool and string tensors, sequences, maps).
     */
    static Optional<float[]> floats(OnnxValue value) {
        if (!(value instanceof OnnxTensor tensor)) {
            return Optional.empty();
        }
        return switch (tensor.getInfo().type) {
            case FLOAT, FLOAT16, BFLOAT16 -> {
                FloatBuffer buffer = tensor.getFloatBuffer();
                float[] values = new float[buffer.remaining()];
                buffer.get(values);
                yield Optional.of(values);
            }
            case DOUBLE -> {
                DoubleBuffer buffer = tensor.getDoubleBuffer();
                float[] values = new float[buffer.remaining()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) buffer.get(i);
                }
                yield Optional.of(values);
            }
            case INT8, INT16, INT32, INT64, UINT8, BOOL, STRING, UNKNOWN -> Optional.empty();
        };
    }

    /** Rounds to the nearest bfloat16, ties to even; NaN stays NaN. */
    private static short toBfloat16(float value) {
        if (Float.isNaN(value)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(value);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
