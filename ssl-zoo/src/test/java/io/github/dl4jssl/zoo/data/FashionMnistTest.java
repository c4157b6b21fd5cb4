package io.github.dl4jssl.zoo.data;

import io.github.dl4jssl.zoo.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class FashionMnistTest {
    @TempDir
    Path dir;

    // 3 images of 2x2, pixel values chosen to hit 0 and 255
    private static final int[][] PIXELS = {{0, 255, 51, 102}, {255, 255, 0, 0}, {1, 2, 3, 4}};
    private static final int[] LABELS = {9, 0, 4};

    static byte[] images(int magic, int n, int rows, int cols, int[][] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length * rows * cols);
        b.putInt(magic).putInt(n).putInt(rows).putInt(cols);
        for (int[] img : pixels) {
            for (int p : img) {
                b.put((byte) p);
            }
        }
        return b.array();
    }

    static byte[] labels(int magic, int... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(magic).putInt(labels.length);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    void write(String name, byte[] content) throws IOException {
        if (name.endsWith(".gz")) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (OutputStream gz = new GZIPOutputStream(bos)) {
                gz.write(content);
            }
            content = bos.toByteArray();
        }
        Files.write(dir.resolve(name), content);
    }

    void writeValid(String prefix, String suffix) throws IOException {
        write(prefix + "-images-idx3-ubyte" + suffix, images(2051, 3, 2, 2, PIXELS));
        write(prefix + "-labels-idx1-ubyte" + suffix, labels(2049, LABELS));
    }

    static void assertTiny(LabelledImages data) {
        assertEquals(3, data.size());
        assertEquals(1, data.channels());
        assertEquals(2, data.height());
        assertEquals(2, data.width());
        assertEquals(DataType.FLOAT, data.features().dataType());
        assertArrayEquals(LABELS, data.labels());
        assertEquals(10, data.numClasses());
        for (int i = 0; i < PIXELS.length; i++) {
            float[] img = data.image(i);
            for (int j = 0; j < 4; j++) {
                assertEquals(PIXELS[i][j] / 255f, img[j], 0f);
            }
        }
        assertEquals(1f, data.features().getFloat(0, 0, 0, 1), 0f);
        assertEquals(0.2f, data.features().getFloat(0, 0, 1, 0), 1e-6f);
    }

    @Test
    void readsGzippedFiles() throws IOException {
        writeValid("train", ".gz");
        assertTiny(FashionMnist.loadTrain(dir));
    }

    @Test
    void readsUncompressedFiles() throws IOException {
        writeValid("t10k", "");
        assertTiny(FashionMnist.loadTest(dir));
    }

    @Test
    void missingDirectoryNamesPathAndFix() {
        Path missing = dir.resolve("nope");
        assertTrainLoadFails(missing, missing.toString(), "apt-get install dataset-fashion-mnist", "--data");
    }

    @Test
    void missingFileNamesFileAndFix() throws IOException {
        write("train-images-idx3-ubyte.gz", images(2051, 3, 2, 2, PIXELS));
        assertTrainLoadFails(dir, "train-labels-idx1-ubyte", "apt-get install dataset-fashion-mnist");
    }

    @Test
    void badMagicNumber() throws IOException {
        write("train-images-idx3-ubyte", images(2049, 3, 2, 2, PIXELS));
        write("train-labels-idx1-ubyte", labels(2049, LABELS));
        assertTrainLoadFails(dir, "train-images-idx3-ubyte", "magic");
    }

    @Test
    void truncatedImages() throws IOException {
        byte[] full = images(2051, 3, 2, 2, PIXELS);
        write("train-images-idx3-ubyte.gz", Arrays.copyOf(full, full.length - 1));
        write("train-labels-idx1-ubyte.gz", labels(2049, LABELS));
        assertTrainLoadFails(dir, "train-images-idx3-ubyte.gz", "truncated");
    }

    @Test
    void truncatedGzipStream() throws IOException {
        writeValid("train", ".gz");
        Path f = dir.resolve("train-labels-idx1-ubyte.gz");
        byte[] gz = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(gz, gz.length - 10));
        assertTrainLoadFails(dir, f.toString());
    }

    @Test
    void countMismatch() throws IOException {
        write("train-images-idx3-ubyte", images(2051, 3, 2, 2, PIXELS));
        write("train-labels-idx1-ubyte", labels(2049, 1, 2));
        assertTrainLoadFails(dir, "mismatch", "3 images", "2 labels");
    }

    @Test
    void labelOutOfRange() throws IOException {
        write("train-images-idx3-ubyte", images(2051, 3, 2, 2, PIXELS));
        write("train-labels-idx1-ubyte", labels(2049, 1, 2, 10));
        assertTrainLoadFails(dir, "train-labels-idx1-ubyte", "10");
    }

    /** Loading the training set from {@code from} fails with a message that holds every one of {@code parts}. */
    private static void assertTrainLoadFails(Path from, String... parts) {
        DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.loadTrain(from));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void realDataWhenInstalled() {
        TestData.requireFashionMnist();
        LabelledImages test = FashionMnist.loadTest(FashionMnist.DEFAULT_DIR);
        assertEquals(10_000, test.size());
        assertEquals(1, test.channels());
        assertEquals(28, test.height());
        assertEquals(28, test.width());
        assertEquals(0.0, test.features().minNumber().doubleValue(), 0.0);
        assertEquals(1.0, test.features().maxNumber().doubleValue(), 0.0);
        int[] counts = new int[10];
        for (int l : test.labels()) {
            counts[l]++;
        }
        for (int c : counts) {
            assertEquals(1000, c);
        }
        LabelledImages train = FashionMnist.loadTrain(FashionMnist.DEFAULT_DIR);
        assertEquals(60_000, train.size());
        assertEquals(10, train.numClasses());
    }
}
