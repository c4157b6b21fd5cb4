package io.github.dl4jssl.zoo.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the IDX file format used by MNIST and Fashion-MNIST (LeCun et al.): unsigned-byte image tensors
 * ({@code idx3}, magic 2051) and label vectors ({@code idx1}, magic 2049), plain or gzip-compressed
 * (detected by the {@code .gz} suffix). Files are read in bulk, not value by value.
 */
public final class IdxReader {
    private static final Logger log = LoggerFactory.getLogger(IdxReader.class);
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /** Reads an idx3 image file as float32 {@code [N, 1, H, W]} scaled to [0, 1]. */
    public static INDArray readImages(Path file) {
        ByteBuffer buf = ByteBuffer.wrap(readAll(file));
        requireHeader(file, buf, 16, IMAGES_MAGIC, "idx3 images");
        int n = buf.getInt(4);
        int rows = buf.getInt(8);
        int cols = buf.getInt(12);
        if (n < 0 || rows <= 0 || cols <= 0) {
            throw corrupt(file, "invalid dimensions " + n + "x" + rows + "x" + cols);
        }
        long expected = (long) n * rows * cols;
        long found = buf.capacity() - 16L;
        if (found < expected) {
            throw corrupt(file, "truncated: header promises " + n + " images of " + rows + "x" + cols + " ("
                    + expected + " bytes) but only " + found + " bytes of pixel data follow");
        }
        if (found > expected) {
            log.warn("{}: ignoring {} trailing bytes after {} images", file, found - expected, n);
        }
        // Bulk copy as unsigned bytes, then cast and scale natively (much faster than a Java float loop).
        byte[] pixels = Arrays.copyOfRange(buf.array(), 16, 16 + (int) expected);
        INDArray u8 = Nd4j.create(Nd4j.createTypedBuffer(pixels, DataType.UBYTE), n, 1, rows, cols);
        return u8.castTo(DataType.FLOAT).divi(255f);
    }

    /** Reads an idx1 label file. */
    public static int[] readLabels(Path file) {
        ByteBuffer buf = ByteBuffer.wrap(readAll(file));
        requireHeader(file, buf, 8, LABELS_MAGIC, "idx1 labels");
        int n = buf.getInt(4);
        if (n < 0) {
            throw corrupt(file, "invalid label count " + n);
        }
        long found = buf.capacity() - 8L;
        if (found < n) {
            throw corrupt(file, "truncated: header promises " + n + " labels but only " + found + " bytes follow");
        }
        byte[] bytes = buf.array();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = bytes[8 + i] & 0xFF;
        }
        return labels;
    }

    /**
     * Reads an image file and its label file and checks that they match.
     *
     * @throws DatasetException if the counts differ or a label is not in {@code [0, numClasses)}
     */
    public static LabelledImages read(Path imagesFile, Path labelsFile, int numClasses) {
        INDArray images = readImages(imagesFile);
        int[] labels = readLabels(labelsFile);
        if (labels.length != images.size(0)) {
            throw new DatasetException("image/label count mismatch: " + imagesFile + " holds " + images.size(0)
                    + " images but " + labelsFile + " holds " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= numClasses) {
                throw corrupt(labelsFile, "label " + labels[i] + " at index " + i + " is outside [0, "
                        + numClasses + ")");
            }
        }
        return new LabelledImages(images, labels, numClasses);
    }

    private static byte[] readAll(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("IDX file not found: " + file);
        }
        boolean gz = file.getFileName().toString().endsWith(".gz");
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw corrupt(file, (gz ? "cannot decompress gzip data: " : "cannot read: ") + e.getMessage(), e);
        }
    }

    private static void requireHeader(Path file, ByteBuffer buf, int headerBytes, int magic, String kind) {
        if (buf.capacity() < headerBytes) {
            throw corrupt(file, "truncated: " + buf.capacity() + " bytes, shorter than the " + headerBytes
                    + "-byte " + kind + " header");
        }
        int found = buf.getInt(0);
        if (found != magic) {
            throw corrupt(file, String.format("bad magic number 0x%08X, expected 0x%08X (%s)", found, magic, kind));
        }
    }

    private static DatasetException corrupt(Path file, String what) {
        return new DatasetException("Corrupt IDX file " + file + ": " + what);
    }

    private static DatasetException corrupt(Path file, String what, Throwable cause) {
        return new DatasetException("Corrupt IDX file " + file + ": " + what, cause);
    }
}
