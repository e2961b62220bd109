package com.modelpress.engine.evaluation;

import com.modelpress.engine.InvalidModelException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes numpy {@code .npy} files (format versions 1.0, 2.0 and 3.0) holding one C-order array of
 * a dtype {@link NpyArray} supports. Files are read whole into memory. Thread-safe: no state.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /** numpy pads the header so that the data starts at a multiple of this. */
    private static final int ALIGNMENT = 64;

    private Npy() {
    }

    /**
     * @throws InvalidModelException naming {@code file} when it cannot be read, is not a .npy file, is
     *                               Fortran-ordered, has a structured or unsupported dtype, or is truncated
     */
    public static NpyArray read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length < 10 || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw invalid(file, "not a .npy file (no \\x93NUMPY magic)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerStart = major == 1 ? 10 : 12;
        long headerLength = switch (major) {
            case 1 -> Short.toUnsignedInt(in.getShort(8));
            case 2, 3 -> bytes.length < 12 ? Long.MAX_VALUE : Integer.toUnsignedLong(in.getInt(8));
            default -> throw invalid(file, "unsupported .npy format version " + major + "." + bytes[7]);
        };
        if (headerStart + headerLength > bytes.length) {
            throw invalid(file, "header is cut off");
        }
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = find(DESCR, header, file, "dtype (structured dtypes are not supported)");
        long[] shape = parseShape(find(SHAPE, header, file, "shape"), file);
        if (find(FORTRAN, header, file, "fortran_order").equals("True") && shape.length > 1) {
            throw invalid(file, "Fortran-ordered arrays are not supported; save np.ascontiguousarray(a)");
        }
        int dataStart = headerStart + (int) headerLength;
        try {
            return new NpyArray(descr, shape, Arrays.copyOfRange(bytes, dataStart, bytes.length));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw invalid(file, e.getMessage());
        }
    }

    /** Writes {@code array} to {@code file} (replacing it) as numpy does: version 1.0 unless the header needs 2.0. */
    public static void write(Path file, NpyArray array) {
        long[] shape = array.shape();
        String dims = switch (shape.length) {
            case 0 -> "()";
            case 1 -> "(" + shape[0] + ",)";
            default -> Arrays.toString(shape).replace('[', '(').replace(']', ')');
        };
        String dict = "{'descr': '" + array.descr() + "', 'fortran_order': False, 'shape': " + dims + ", }";
        int prefix = 10;
        if (paddedLength(prefix, dict) - prefix > 0xFFFF) {
            prefix = 12;
        }
        int dataStart = paddedLength(prefix, dict);
        String header = dict + " ".repeat(dataStart - prefix - dict.length() - 1) + "\n";
        byte[] data = array.data();
        ByteBuffer bytes = ByteBuffer.allocate(Math.addExact(dataStart, data.length)).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) {
            bytes.putShort((short) header.length());
        } else {
            bytes.putInt(header.length());
        }
        bytes.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        try {
            Files.write(file, bytes.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Where the data starts: magic, version and length ({@code prefix} bytes), dict, '\n', padded to 64. */
    private static int paddedLength(int prefix, String dict) {
        return (prefix + dict.length() + 1 + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static String find(Pattern pattern, String header, Path file, String what) {
        Matcher matcher = pattern.matcher(header);
        if (!matcher.find()) {
            throw invalid(file, "header has no readable " + what + ": " + header.strip());
        }
        return matcher.group(1);
    }

    private static long[] parseShape(String dims, Path file) {
        List<Long> shape = new ArrayList<>();
        for (String dim : dims.split(",")) {
            String trimmed = dim.strip();
            if (trimmed.endsWith("L")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
            if (!trimmed.isEmpty()) {
                try {
                    shape.add(Long.parseLong(trimmed));
                } catch (NumberFormatException e) {
                    throw invalid(file, "bad shape (" + dims + ")");
                }
            }
        }
        return shape.stream().mapToLong(Long::longValue).toArray();
    }

    private static InvalidModelException invalid(Path file, String reason) {
        return new InvalidModelException(file + ": " + reason);
    }
}
