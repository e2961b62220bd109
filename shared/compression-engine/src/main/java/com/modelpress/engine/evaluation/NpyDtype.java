package com.modelpress.engine.evaluation;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * A parsed numpy {@code descr}: kind ({@code f} float, {@code i} signed int, {@code u} unsigned int,
 * {@code b} bool), item size in bytes and byte order.
 */
record NpyDtype(char kind, int size, ByteOrder order) {

    private static final Set<String> SUPPORTED = Set.of("f2", "f4", "f8", "i1", "i4", "i8", "u1", "b1");

    /**
     * @param descr e.g. {@code <f4}, {@code >i8}, {@code |b1}; {@code =} means this machine's byte order
     * @throws IllegalArgumentException for anything but float16/32/64, int8/32/64, uint8 and bool, naming
     *                                  {@code descr}
     */
    static NpyDtype parse(String descr) {
        if (descr.length() != 3 || "<>|=".indexOf(descr.charAt(0)) < 0 || !SUPPORTED.contains(descr.substring(1))) {
            throw new IllegalArgumentException("unsupported npy dtype '" + descr
                    + "' (supported: float16/32/64, int8/32/64, uint8, bool)");
        }
        ByteOrder order = switch (descr.charAt(0)) {
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            default -> ByteOrder.LITTLE_ENDIAN;
        };
        return new NpyDtype(descr.charAt(1), descr.charAt(2) - '0', order);
    }

    boolean isFloat() {
        return kind == 'f';
    }

    /** Element {@code index} of {@code data} as a double; exact for every supported type but int64 above 2^53. */
    double doubleAt(ByteBuffer data, int index) {
        int at = index * size;
        return switch (kind) {
            case 'f' -> switch (size) {
                case 2 -> Float.float16ToFloat(data.getShort(at));
                case 4 -> data.getFloat(at);
                default -> data.getDouble(at);
            };
            default -> longAt(data, index);
        };
    }

    /** Element {@code index} of {@code data} as a long; float values are truncated toward zero. */
    long longAt(ByteBuffer data, int index) {
        int at = index * size;
        return switch (kind) {
            case 'f' -> (long) doubleAt(data, index);
            case 'u' -> Byte.toUnsignedLong(data.get(at));
            case 'b' -> data.get(at) != 0 ? 1 : 0;
            default -> switch (size) {
                case 1 -> data.get(at);
                case 4 -> data.getInt(at);
                default -> data.getLong(at);
            };
        };
    }
}
