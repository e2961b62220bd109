package com.modelpress.engine.evaluation;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array as a numpy {@code .npy} file holds it: C order, elements stored in the byte order
 * {@code descr} names. Immutable: arrays are copied in and out.
 *
 * @param descr numpy's dtype string: {@code <f2 <f4 <f8 <i1 <i4 <i8 |u1 |b1}, with {@code <} (little endian),
 *              {@code >} (big endian), {@code |} (not applicable) or {@code =} (this machine's order)
 * @param shape dimensions, none negative; empty for a scalar
 * @param data  the elements, exactly {@code product(shape) × itemsize} bytes
 */
public record NpyArray(String descr, long[] shape, byte[] data) {

    /** @throws IllegalArgumentException for an unsupported dtype, a negative dimension or a wrong data length */
    public NpyArray {
        NpyDtype dtype = NpyDtype.parse(descr);
        shape = shape.clone();
        long elements = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, dim);
        }
        if (elements * dtype.size() != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + descr + " needs "
                    + elements * dtype.size() + " bytes, got " + data.length);
        }
        data = data.clone();
    }

    /** Little-endian float32 ({@code <f4}) values. */
    public static NpyArray ofFloats(float[] values, long... shape) {
        ByteBuffer bytes = allocate(values.length, Float.BYTES);
        bytes.asFloatBuffer().put(values);
        return new NpyArray("<f4", shape, bytes.array());
    }

    /** Little-endian int64 ({@code <i8}) values. */
    public static NpyArray ofLongs(long[] values, long... shape) {
        ByteBuffer bytes = allocate(values.length, Long.BYTES);
        bytes.asLongBuffer().put(values);
        return new NpyArray("<i8", shape, bytes.array());
    }

    /** Bool ({@code |b1}) values. */
    public static NpyArray ofBooleans(boolean[] values, long... shape) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) (values[i] ? 1 : 0);
        }
        return new NpyArray("|b1", shape, bytes);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Number of elements: the product of the shape, 1 for a scalar. */
    public int elements() {
        return data.length / dtype().size();
    }

    /** True for float16/32/64 arrays. */
    public boolean isFloat() {
        return dtype().isFloat();
    }

    /** The elements as floats (bool as 0/1; float64 and large int64 values are rounded). */
    public float[] toFloats() {
        NpyDtype dtype = dtype();
        ByteBuffer buffer = buffer(dtype);
        float[] values = new float[elements()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) dtype.doubleAt(buffer, i);
        }
        return values;
    }

    /** The elements as doubles (bool as 0/1; int64 values above 2^53 are rounded). */
    public double[] toDoubles() {
        NpyDtype dtype = dtype();
        ByteBuffer buffer = buffer(dtype);
        double[] values = new double[elements()];
        for (int i = 0; i < values.length; i++) {
            values[i] = dtype.doubleAt(buffer, i);
        }
        return values;
    }

    /** The elements as longs (bool as 0/1; float values truncated toward zero). */
    public long[] toLongs() {
        NpyDtype dtype = dtype();
        ByteBuffer buffer = buffer(dtype);
        long[] values = new long[elements()];
        for (int i = 0; i < values.length; i++) {
            values[i] = dtype.longAt(buffer, i);
        }
        return values;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NpyArray that && descr.equals(that.descr) && Arrays.equals(shape, that.shape)
                && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * descr.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray[" + descr + " " + Arrays.toString(shape) + "]";
    }

    NpyDtype dtype() {
        return NpyDtype.parse(descr);
    }

    private ByteBuffer buffer(NpyDtype dtype) {
        return ByteBuffer.wrap(data).order(dtype.order());
    }

    private static ByteBuffer allocate(int count, int size) {
        return ByteBuffer.allocate(Math.multiplyExact(count, size)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
