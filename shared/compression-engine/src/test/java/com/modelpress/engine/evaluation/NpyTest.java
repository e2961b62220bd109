package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.modelpress.engine.InvalidModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

class NpyTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"<f4", ">f4", "<f8", ">f8", "<f2", ">f2", "<i8", ">i8", "<i4", ">i4", "|i1", "|u1", "|b1"})
    void roundTripKeepsDtypeShapeAndBytes(String descr) {
        int size = descr.charAt(2) - '0';
        byte[] data = new byte[2 * 3 * size];
        new Random(descr.hashCode()).nextBytes(data);
        if (descr.equals("|b1")) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (data[i] & 1);
            }
        }
        NpyArray array = new NpyArray(descr, new long[] {2, 3}, data);
        Path file = dir.resolve("a.npy");

        Npy.write(file, array);

        assertThat(Npy.read(file)).isEqualTo(array);
    }

    @Test
    void roundTripsScalarsEmptyAndOneDimensionalArrays() {
        for (long[] shape : new long[][] {{}, {5}, {0, 4}}) {
            int count = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            NpyArray array = NpyArray.ofFloats(new float[count], shape);
            Path file = dir.resolve("s.npy");
            Npy.write(file, array);
            assertThat(Npy.read(file).shape()).containsExactly(shape);
        }
    }

    @Test
    void writesTheBytesNumpyWrites() throws Exception {
        Path file = dir.resolve("zeros.npy");
        Npy.write(file, NpyArray.ofFloats(new float[6], 2, 3));

        byte[] bytes = Files.readAllBytes(file);
        // np.save('zeros.npy', np.zeros((2, 3), '<f4')): a 128-byte header, then 24 bytes of data
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        assertThat(bytes).hasSize(128 + 24);
        assertThat(new String(bytes, 10, 118, StandardCharsets.ISO_8859_1))
                .isEqualTo(dict + " ".repeat(118 - dict.length() - 1) + "\n");
        assertThat(bytes[6]).isEqualTo((byte) 1);
        assertThat(bytes[8]).isEqualTo((byte) 118);
    }

    @Test
    void readsABigEndianFileWrittenByHandTheWayNumpyWritesIt() throws Exception {
        // np.save('b.npy', np.array([[1, 2], [3, -4]], '>i4'))
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putInt(1).putInt(2).putInt(3).putInt(-4);
        Path file = handWritten(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2, 2), }", data.array());

        NpyArray array = Npy.read(file);

        assertThat(array.descr()).isEqualTo(">i4");
        assertThat(array.shape()).containsExactly(2, 2);
        assertThat(array.toLongs()).containsExactly(1, 2, 3, -4);
        assertThat(array.toFloats()).containsExactly(1f, 2f, 3f, -4f);
    }

    @Test
    void readsVersion2And3Headers() throws Exception {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(0.5).putDouble(-2.25);
        for (int version : new int[] {2, 3}) {
            Path file = handWritten(version, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", data.array());
            assertThat(Npy.read(file).toDoubles()).containsExactly(0.5, -2.25);
        }
    }

    @Test
    void convertsFloat16AndBool() throws Exception {
        // 1.5 and -2 as IEEE half precision, little endian
        Path half = handWritten(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }",
                new byte[] {0x00, 0x3E, 0x00, (byte) 0xC0});
        assertThat(Npy.read(half).toFloats()).containsExactly(1.5f, -2f);

        Path bools = handWritten(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new byte[] {1, 0, 1});
        assertThat(Npy.read(bools).toLongs()).containsExactly(1, 0, 1);
        assertThat(Npy.read(bools).isFloat()).isFalse();
    }

    @Test
    void rejectsFortranOrderNamingTheFile() throws Exception {
        Path file = handWritten(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", new byte[48]);
        assertThatThrownBy(() -> Npy.read(file))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("Fortran");
    }

    @Test
    void rejectsUnsupportedAndStructuredDtypes() throws Exception {
        Path complex = handWritten(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]);
        assertThatThrownBy(() -> Npy.read(complex))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(complex.toString())
                .hasMessageContaining("'<c8'");

        Path structured = handWritten(1,
                "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", new byte[8]);
        assertThatThrownBy(() -> Npy.read(structured))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("structured");
    }

    @Test
    void rejectsTruncatedDataAndNonNpyFiles() throws Exception {
        Path truncated = handWritten(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new byte[20]);
        assertThatThrownBy(() -> Npy.read(truncated))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(truncated.toString())
                .hasMessageContaining("needs 24 bytes, got 20");

        Path text = Files.writeString(dir.resolve("text.npy"), "not numpy at all");
        assertThatThrownBy(() -> Npy.read(text))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("magic");
    }

    /** A .npy file laid out as numpy writes it: magic, version, header length, dict padded to 64 with '\n'. */
    private Path handWritten(int version, String dict, byte[] data) throws Exception {
        int prefix = version == 1 ? 10 : 12;
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        String header = dict + " ".repeat(total - prefix - dict.length() - 1) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        ByteBuffer length = ByteBuffer.allocate(prefix - 8).order(ByteOrder.LITTLE_ENDIAN);
        if (version == 1) {
            length.putShort((short) header.length());
        } else {
            length.putInt(header.length());
        }
        out.write(length.array());
        out.write(header.getBytes(version == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
        out.write(data);
        Path file = dir.resolve("v" + version + "-" + Math.abs(dict.hashCode()) + ".npy");
        Files.write(file, out.toByteArray());
        return file;
    }
}
