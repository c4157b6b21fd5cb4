package io.github.dl4jssl.samples.collapse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a 2-D float32 or float64 array from a NumPy {@code .npy} file, the format {@code numpy.save} writes
 * (NumPy Enhancement Proposal 1, "A Simple File Format for NumPy Arrays"; format versions 1.0, 2.0 and 3.0): the
 * magic {@code \x93NUMPY}, the major and minor version bytes, the header length (2 bytes little-endian in version
 * 1, 4 bytes in versions 2 and 3), an ASCII (version 3: UTF-8) Python dict literal with {@code 'descr'},
 * {@code 'fortran_order'} and {@code 'shape'}, then the raw data.
 *
 * <p>Supported: {@code descr} {@code '<f4'}, {@code '>f4'}, {@code '<f8'}, {@code '>f8'} (and {@code '='} for the
 * native order, little-endian on every platform NumPy writes these files on), C or Fortran order, shape
 * {@code (n, d)}. Anything else is rejected with an error that names the problem and the fix.
 */
public final class NpyReader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    /**
     * @param file a {@code .npy} file
     * @return its rows, as doubles
     * @throws IllegalArgumentException when the file is not a 2-D float32/float64 {@code .npy} array
     */
    public static double[][] read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes.length <= i || bytes[i] != MAGIC[i]) {
                throw bad(file, "does not start with the .npy magic \\x93NUMPY; save the array with numpy.save");
            }
        }
        if (bytes.length < 10) {
            throw bad(file, "is truncated inside its .npy preamble");
        }
        int major = bytes[6] & 0xff;
        int headerLength;
        int offset;
        if (major == 1) {
            headerLength = in.getShort(8) & 0xffff;
            offset = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw bad(file, "is truncated inside its .npy preamble");
            }
            headerLength = in.getInt(8);
            offset = 12;
        } else {
            throw bad(file, "has .npy format version " + major + "." + (bytes[7] & 0xff) + "; supported: 1.0, 2.0, 3.0");
        }
        if (headerLength < 0 || offset + (long) headerLength > bytes.length) {
            throw bad(file, "is truncated: its header says " + headerLength + " bytes, the file has " + (bytes.length - offset));
        }
        String header = new String(bytes, offset, headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = field(file, DESCR, header, "descr");
        boolean fortran = field(file, FORTRAN, header, "fortran_order").equals("True");
        long[] shape = shape(file, field(file, SHAPE, header, "shape"));
        ByteOrder order;
        switch (descr.charAt(0)) {
            case '<', '=' -> order = ByteOrder.LITTLE_ENDIAN;
            case '>' -> order = ByteOrder.BIG_ENDIAN;
            default -> throw dtype(file, descr);
        }
        int width = switch (descr.substring(1)) {
            case "f4" -> 4;
            case "f8" -> 8;
            default -> throw dtype(file, descr);
        };
        long n = shape[0], d = shape[1];
        long expected = n * d * width;
        int data = offset + headerLength;
        if (n * d > Integer.MAX_VALUE / 8 || bytes.length - data < expected) {
            throw bad(file, "holds " + (bytes.length - data) + " data bytes, its shape (" + n + ", " + d + ") of " + descr
                    + " needs " + expected);
        }
        ByteBuffer values = ByteBuffer.wrap(bytes, data, (int) expected).slice().order(order);
        double[][] rows = new double[(int) n][(int) d];
        for (long k = 0; k < n * d; k++) {
            // C order: k = i * d + j; Fortran order: k = j * n + i
            int i = (int) (fortran ? k % n : k / d);
            int j = (int) (fortran ? k / n : k % d);
            rows[i][j] = width == 4 ? values.getFloat((int) k * 4) : values.getDouble((int) k * 8);
        }
        return rows;
    }

    private static String field(Path file, Pattern p, String header, String name) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw bad(file, "has no readable '" + name + "' in its .npy header " + header.trim());
        }
        return m.group(1);
    }

    private static long[] shape(Path file, String tuple) {
        String[] parts = tuple.split(",");
        java.util.List<Long> dims = new java.util.ArrayList<>();
        for (String p : parts) {
            if (!p.isBlank()) {
                try {
                    dims.add(Long.parseLong(p.trim().replaceAll("[lL]$", "")));
                } catch (NumberFormatException e) {
                    throw bad(file, "has an unreadable shape (" + tuple.trim() + ") in its .npy header");
                }
            }
        }
        if (dims.size() != 2) {
            throw bad(file, "holds a " + dims.size() + "-D array of shape (" + tuple.trim() + "); save a 2-D (samples, dimensions) "
                    + "array, e.g. numpy.save(f, x.reshape(len(x), -1))");
        }
        return new long[]{dims.get(0), dims.get(1)};
    }

    private static IllegalArgumentException dtype(Path file, String descr) {
        return bad(file, "has dtype '" + descr + "'; supported: float32 ('<f4', '>f4') and float64 ('<f8', '>f8'); "
                + "convert with x.astype(numpy.float32)");
    }

    static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(file + " " + what);
    }
}
