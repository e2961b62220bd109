package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import com.modelpress.engine.InvalidModelException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Element types, sizes and float conversions of ONNX tensors. Stateless. */
public final class TensorCodec {

    private TensorCodec() {
    }

    /** Bytes per element of an ONNX data type; 0 for sub-byte, string and unknown types. */
    public static int elementSize(int dataType) {
        return switch (dataType) {
            case DataType.FLOAT_VALUE, DataType.INT32_VALUE, DataType.UINT32_VALUE -> 4;
            case DataType.UINT8_VALUE, DataType.INT8_VALUE, DataType.BOOL_VALUE -> 1;
            case 17, 18, 19, 20 -> 1; // float8 variants
            case DataType.UINT16_VALUE, DataType.INT16_VALUE, DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> 2;
            case DataType.INT64_VALUE, DataType.UINT64_VALUE, DataType.DOUBLE_VALUE, DataType.COMPLEX64_VALUE -> 8;
            case DataType.COMPLEX128_VALUE -> 16;
            default -> 0;
        };
    }

    public static boolean isFloatingPoint(int dataType) {
        return dataType == DataType.FLOAT_VALUE || dataType == DataType.FLOAT16_VALUE
                || dataType == DataType.BFLOAT16_VALUE || dataType == DataType.DOUBLE_VALUE;
    }

    /** Product of the dims; a tensor with no dims is a scalar (1 element). */
    public static long elementCount(TensorProto tensor) {
        long count = 1;
        for (long dim : tensor.getDimsList()) {
            if (dim < 0) {
                throw new InvalidModelException("tensor '%s' has a negative dimension %d".formatted(tensor.getName(), dim));
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /** Bytes the tensor's data occupies (raw, external or typed fields); estimates sub-byte types. */
    public static long dataBytes(TensorProto tensor) {
        int width = elementSize(tensor.getDataType());
        if (width > 0) {
            return elementCount(tensor) * width;
        }
        return tensor.hasRawData() ? tensor.getRawData().size() : (elementCount(tensor) + 1) / 2;
    }

    static float[] toFloats(int dataType, ByteBuffer data, int count, String name) {
        float[] values = new float[count];
        switch (dataType) {
            case DataType.FLOAT_VALUE -> data.asFloatBuffer().get(values);
            case DataType.DOUBLE_VALUE -> {
                for (int i = 0; i < count; i++) {
                    values[i] = (float) data.getDouble(i * 8);
                }
            }
            case DataType.FLOAT16_VALUE -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.float16ToFloat(data.getShort(i * 2));
                }
            }
            case DataType.BFLOAT16_VALUE -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.intBitsToFloat((data.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalArgumentException("tensor '%s' of type %d is not floating point".formatted(name, dataType));
        }
        return values;
    }

    /** Converts tensors stored in typed repeated fields to raw little-endian bytes. */
    static ByteString typedFieldsToRaw(TensorProto tensor) {
        int count = Math.toIntExact(elementCount(tensor));
        int type = tensor.getDataType();
        int width = elementSize(type);
        if (width == 0) {
            throw new InvalidModelException("tensor '%s' of type %d has no raw representation".formatted(tensor.getName(), type));
        }
        ByteBuffer out = ByteBuffer.allocate(count * width).order(ByteOrder.LITTLE_ENDIAN);
        int available = switch (type) {
            case DataType.FLOAT_VALUE, DataType.COMPLEX64_VALUE -> tensor.getFloatDataCount() / (type == DataType.FLOAT_VALUE ? 1 : 2);
            case DataType.DOUBLE_VALUE, DataType.COMPLEX128_VALUE -> tensor.getDoubleDataCount() / (type == DataType.DOUBLE_VALUE ? 1 : 2);
            case DataType.INT64_VALUE -> tensor.getInt64DataCount();
            case DataType.UINT32_VALUE, DataType.UINT64_VALUE -> tensor.getUint64DataCount();
            default -> tensor.getInt32DataCount();
        };
        if (available != count) {
            throw new InvalidModelException("tensor '%s' declares %d elements but holds %d".formatted(tensor.getName(), count, available));
        }
        switch (type) {
            case DataType.FLOAT_VALUE -> tensor.getFloatDataList().forEach(out::putFloat);
            case DataType.COMPLEX64_VALUE -> tensor.getFloatDataList().forEach(out::putFloat);
            case DataType.DOUBLE_VALUE, DataType.COMPLEX128_VALUE -> tensor.getDoubleDataList().forEach(out::putDouble);
            case DataType.INT64_VALUE -> tensor.getInt64DataList().forEach(out::putLong);
            case DataType.UINT64_VALUE -> tensor.getUint64DataList().forEach(out::putLong);
            case DataType.UINT32_VALUE -> tensor.getUint64DataList().forEach(v -> out.putInt((int) (long) v));
            case DataType.INT32_VALUE -> tensor.getInt32DataList().forEach(out::putInt);
            default -> {
                // int8, uint8, bool, int16, uint16, float16, bfloat16, float8: one value per int32 entry
                for (int v : tensor.getInt32DataList()) {
                    if (width == 1) {
                        out.put((byte) v);
                    } else {
                        out.putShort((short) v);
                    }
                }
            }
        }
        return UnsafeByteOperations.unsafeWrap(out.array());
    }

    /** IEEE 754 binary16 bits of each value, little-endian. */
    public static byte[] toFloat16Bytes(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putShort(Float.floatToFloat16(v));
        }
        return out.array();
    }

    /** Bfloat16 bits of {@code value}, rounded to nearest even; NaN stays NaN. */
    public static short toBfloat16(float value) {
        if (Float.isNaN(value)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(value);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** {@code value} as the nearest value of the float type {@code dataType} (FLOAT, FLOAT16 or BFLOAT16). */
    public static float roundTo(int dataType, float value) {
        return switch (dataType) {
            case DataType.FLOAT16_VALUE -> Float.float16ToFloat(Float.floatToFloat16(value));
            case DataType.BFLOAT16_VALUE -> Float.intBitsToFloat((toBfloat16(value) & 0xffff) << 16);
            case DataType.FLOAT_VALUE -> value;
            default -> throw new IllegalArgumentException("type %d is not float, float16 or bfloat16".formatted(dataType));
        };
    }

    /** Little-endian bytes of {@code values} in the float type {@code dataType} (FLOAT, FLOAT16 or BFLOAT16). */
    public static byte[] toBytes(int dataType, float[] values) {
        return switch (dataType) {
            case DataType.FLOAT_VALUE -> toFloatBytes(values);
            case DataType.FLOAT16_VALUE -> toFloat16Bytes(values);
            case DataType.BFLOAT16_VALUE -> {
                ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    out.putShort(toBfloat16(v));
                }
                yield out.array();
            }
            default -> throw new IllegalArgumentException("type %d is not float, float16 or bfloat16".formatted(dataType));
        };
    }

    public static byte[] toFloatBytes(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out.array();
    }
}
