package io.github.dl4jssl.samples.collapse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding readers on files written byte by byte here, following the NumPy format specification (NEP 1). */
public class EmbeddingFileTest {

    static final double[][] M = {{1.5, -2, 3}, {4, 5.25, -6}};

    /**
     * A .npy file: magic, version, header length (2 bytes for 1.x, 4 for 2.x/3.x, little-endian), the dict padded with
     * spaces and a newline so that the data starts at a multiple of 64, then the values.
     */
    public static byte[] npy(int major, String descr, boolean fortran, String shape, double[][] m) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int preamble = major == 1 ? 10 : 12;
        StringBuilder h = new StringBuilder(dict);
        while ((preamble + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] header = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        boolean f4 = descr.endsWith("f4");
        int rows = m.length, cols = m.length == 0 ? 0 : m[0].length;
        ByteBuffer data = ByteBuffer.allocate(rows * cols * (f4 ? 4 : 8))
                .order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < rows * cols; k++) {
            int i = fortran ? k % rows : k / cols, j = fortran ? k / rows : k % cols;
            if (f4) {
                data.putFloat((float) m[i][j]);
            } else {
                data.putDouble(m[i][j]);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            len.putShort((short) header.length);
        } else {
            len.putInt(header.length);
        }
        out.writeBytes(len.array());
        out.writeBytes(header);
        out.writeBytes(data.array());
        return out.toByteArray();
    }

    private static Path write(Path dir, String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void npyVersionsByteOrdersWidthsAndFortranOrder(@TempDir Path dir) throws Exception {
        int n = 0;
        for (int major : new int[]{1, 2, 3}) {
            for (String descr : new String[]{"<f4", ">f4", "<f8", ">f8"}) {
                for (boolean fortran : new boolean[]{false, true}) {
                    Path f = write(dir, "m" + n++ + ".npy", npy(major, descr, fortran, "(2, 3)", M));
                    assertArrayEquals(M, EmbeddingFile.read(f), major + " " + descr + " fortran=" + fortran);
                }
            }
        }
        // float32 rounding is visible: 0.1 is read as the float nearest to it
        double[][] tenth = {{0.1, 0.2}, {0.3, 0.4}};
        assertArrayEquals(new double[]{(float) 0.1, (float) 0.2},
                EmbeddingFile.read(write(dir, "t.npy", npy(1, "<f4", false, "(2, 2)", tenth)))[0]);
    }

    @Test
    void npyErrorsNameTheProblem(@TempDir Path dir) throws Exception {
        assertError(write(dir, "i.npy", npy(1, "<i8", false, "(2, 3)", M)), "dtype '<i8'");
        assertError(write(dir, "one-d.npy", npy(1, "<f8", false, "(6,)", new double[][]{{1, 2, 3, 4, 5, 6}})), "1-D array");
        assertError(write(dir, "three-d.npy", npy(1, "<f8", false, "(1, 2, 3)", M)), "3-D array");
        assertError(write(dir, "shape.npy", npy(1, "<f8", false, "(2, x)", M)), "unreadable shape (2, x)");
        byte[] v9 = npy(1, "<f8", false, "(2, 3)", M);
        v9[6] = 9;
        assertError(write(dir, "v9.npy", v9), "version 9.0");
        byte[] full = npy(1, "<f8", false, "(2, 3)", M);
        assertError(write(dir, "short.npy", java.util.Arrays.copyOf(full, full.length - 8)), "data bytes");
        assertError(write(dir, "text.npy", "1,2\n3,4\n".getBytes(StandardCharsets.US_ASCII)), "magic");
        assertError(write(dir, "one-row.npy", npy(1, "<f8", false, "(1, 3)", new double[][]{{1, 2, 3}})), "at least 2 samples");
        assertError(write(dir, "nan.npy", npy(1, "<f8", false, "(2, 3)", new double[][]{{1, 2, 3}, {4, Double.NaN, 6}})),
                "row 2, column 2 is NaN");
    }

    @Test
    void csvWithAndWithoutHeader(@TempDir Path dir) throws Exception {
        Path plain = write(dir, "a.csv", "1.5,-2,3\n\n4,5.25,-6\n".getBytes(StandardCharsets.UTF_8));
        Path header = write(dir, "b.csv", "z0,z1,\"z 2\"\n1.5, -2 ,3\n\"4\",5.25,-6e0\n".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(M, EmbeddingFile.read(plain));
        assertArrayEquals(M, EmbeddingFile.read(header));
    }

    @Test
    void csvErrorsNameTheLine(@TempDir Path dir) throws Exception {
        assertError(write(dir, "ragged.csv", "1,2,3\n4,5\n".getBytes(StandardCharsets.UTF_8)), "line 2 has 2 values");
        assertError(write(dir, "word.csv", "a,b\n1,2\n3,x\n".getBytes(StandardCharsets.UTF_8)), "line 3, column 2 ('x')");
        assertError(write(dir, "nan.csv", "1,2\nNaN,4\n".getBytes(StandardCharsets.UTF_8)), "row 2, column 1 is NaN");
        assertError(write(dir, "inf.csv", "1,2\n3,Infinity\n".getBytes(StandardCharsets.UTF_8)), "is Infinity");
        assertError(write(dir, "one.csv", "h1,h2\n1,2\n".getBytes(StandardCharsets.UTF_8)), "holds 1 row(s)");
        assertError(dir.resolve("missing.csv"), "is not a file");
    }

    private static void assertError(Path file, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddingFile.read(file));
        assertTrue(e.getMessage().contains(expected), "'" + expected + "' not in: " + e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), "the message names the file: " + e.getMessage());
    }
}
