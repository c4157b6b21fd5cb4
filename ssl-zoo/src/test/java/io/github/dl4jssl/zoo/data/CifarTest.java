package io.github.dl4jssl.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {

    /** Pixel value (byte) of record {@code r} of file {@code f} at flat CHW position {@code p}. */
    private static int pixel(int f, int r, int p) {
        return (f * 31 + r * 7 + p * 13) & 0xFF;
    }

    /** Writes {@code n} records with labels {@code label(f, r)}; CIFAR-100 records get a coarse label too. */
    static void write(Path file, int f, int n, int labelBytes, int[] labels) throws IOException {
        byte[] b = new byte[n * (labelBytes + Cifar.PIXELS)];
        for (int r = 0, off = 0; r < n; r++, off += labelBytes + Cifar.PIXELS) {
            if (labelBytes == 2) {
                b[off] = (byte) 19; // coarse label, must be ignored
            }
            b[off + labelBytes - 1] = (byte) labels[r];
            for (int p = 0; p < Cifar.PIXELS; p++) {
                b[off + labelBytes + p] = (byte) pixel(f, r, p);
            }
        }
        Files.write(file, b);
    }

    @Test
    void cifar10ReadsTheFiveTrainingBatchesInOrderAndTheTestBatch(@TempDir Path dir) throws IOException {
        for (int f = 1; f <= 5; f++) {
            write(dir.resolve("data_batch_" + f + ".bin"), f, 2, 1, new int[] {f, 9 - f});
        }
        write(dir.resolve("test_batch.bin"), 0, 3, 1, new int[] {0, 1, 2});
        LabelledImages train = Cifar.loadTrain(Cifar.Variant.CIFAR10, dir);
        assertEquals(10, train.size());
        assertEquals(3, train.channels());
        assertEquals(32, train.height());
        assertEquals(32, train.width());
        assertEquals(10, train.numClasses());
        assertArrayEquals(new int[] {1, 8, 2, 7, 3, 6, 4, 5, 5, 4}, train.labels());
        // image 5 = file 3, record 1; red plane first, then green, then blue, each row-major
        float[] img = train.image(5);
        for (int p : new int[] {0, 1, 32, 1023, 1024, 2048, 3071}) {
            assertEquals(pixel(3, 1, p) / 255f, img[p], 1e-7, "pixel " + p);
        }
        LabelledImages test = Cifar.loadTest(Cifar.Variant.CIFAR10, dir);
        assertArrayEquals(new int[] {0, 1, 2}, test.labels());
        assertEquals(pixel(0, 2, 3000) / 255f, test.image(2)[3000], 1e-7);
    }

    @Test
    void cifar100UsesTheFineLabelAndFindsTheArchiveSubdirectory(@TempDir Path parent) throws IOException {
        Path dir = Files.createDirectory(parent.resolve("cifar-100-binary"));
        write(dir.resolve("train.bin"), 1, 3, 2, new int[] {99, 0, 42});
        write(dir.resolve("test.bin"), 2, 1, 2, new int[] {7});
        LabelledImages train = Cifar.loadTrain(Cifar.Variant.CIFAR100, parent);
        assertEquals(100, train.numClasses());
        assertArrayEquals(new int[] {99, 0, 42}, train.labels());
        assertEquals(pixel(1, 2, 2047) / 255f, train.image(2)[2047], 1e-7);
        assertArrayEquals(new int[] {7}, Cifar.loadTest(Cifar.Variant.CIFAR100, dir).labels());
    }

    @Test
    void missingOrCorruptFilesAreClearErrors(@TempDir Path dir) throws IOException {
        DatasetException e = assertThrows(DatasetException.class,
                () -> Cifar.loadTrain(Cifar.Variant.CIFAR10, dir.resolve("nope")));
        assertTrue(e.getMessage().contains("directory not found") && e.getMessage().contains("--data"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Cifar.loadTrain(Cifar.Variant.CIFAR10, dir));
        assertTrue(e.getMessage().contains("data_batch_1.bin"), e.getMessage());
        // a CIFAR-100 file read as CIFAR-10: 3074-byte records are not a multiple of 3073
        write(dir.resolve("test_batch.bin"), 0, 2, 2, new int[] {1, 2});
        e = assertThrows(DatasetException.class, () -> Cifar.loadTest(Cifar.Variant.CIFAR10, dir));
        assertTrue(e.getMessage().contains("3073-byte record") && e.getMessage().contains("test_batch.bin"),
                e.getMessage());
        write(dir.resolve("test.bin"), 0, 1, 2, new int[] {100});
        e = assertThrows(DatasetException.class, () -> Cifar.loadTest(Cifar.Variant.CIFAR100, dir));
        assertTrue(e.getMessage().contains("label 100"), e.getMessage());
    }
}
