package io.github.dl4jssl.zoo.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads CIFAR-10 and CIFAR-100 (Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny Images") from
 * their binary version, as distributed at https://www.cs.toronto.edu/~kriz/cifar.html, as float32
 * {@code [N, 3, 32, 32]} RGB images in [0, 1].
 *
 * <p>Format: a file is a sequence of records; a CIFAR-10 record is 1 label byte followed by 3072 pixel bytes, a
 * CIFAR-100 record 1 coarse-label byte (20 super-classes), 1 fine-label byte (100 classes) and 3072 pixel bytes.
 * The pixels are the red, then green, then blue 32x32 plane, each row-major: exactly the CHW layout of
 * {@link LabelledImages}. CIFAR-10's training set is {@code data_batch_1.bin} .. {@code data_batch_5.bin} (50,000
 * images), its test set {@code test_batch.bin}; CIFAR-100's are {@code train.bin} and {@code test.bin}, and its
 * fine labels are used. The directory may be the one holding the files or its parent, where the archives unpack
 * to {@code cifar-10-batches-bin/} and {@code cifar-100-binary/}.
 */
public final class Cifar {
    private static final Logger log = LoggerFactory.getLogger(Cifar.class);

    public static final int SIDE = 32;
    public static final int CHANNELS = 3;
    public static final int PIXELS = CHANNELS * SIDE * SIDE;

    /** CIFAR-10 class names, indexed by label. */
    public static final List<String> CIFAR10_CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");

    /** The two variants and their file layout. */
    public enum Variant {
        CIFAR10("CIFAR-10", "cifar-10-batches-bin", 1, 10,
                List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                        "data_batch_5.bin"), List.of("test_batch.bin")),
        CIFAR100("CIFAR-100", "cifar-100-binary", 2, 100, List.of("train.bin"), List.of("test.bin"));

        final String title;
        final String archiveDir;
        /** Label bytes per record; the last one is the label used (CIFAR-100: the fine label). */
        final int labelBytes;
        final int numClasses;
        final List<String> trainFiles;
        final List<String> testFiles;

        Variant(String title, String archiveDir, int labelBytes, int numClasses, List<String> trainFiles,
                List<String> testFiles) {
            this.title = title;
            this.archiveDir = archiveDir;
            this.labelBytes = labelBytes;
            this.numClasses = numClasses;
            this.trainFiles = trainFiles;
            this.testFiles = testFiles;
        }

        public int numClasses() { return numClasses; }

        int recordBytes() {
            return labelBytes + PIXELS;
        }
    }

    private Cifar() {
    }

    /** The training images of {@code variant} from {@code dir} (CIFAR-10: 50,000; CIFAR-100: 50,000). */
    public static LabelledImages loadTrain(Variant variant, Path dir) {
        return load(variant, dir, variant.trainFiles, "train");
    }

    /** The 10,000 test images of {@code variant} from {@code dir}. */
    public static LabelledImages loadTest(Variant variant, Path dir) {
        return load(variant, dir, variant.testFiles, "test");
    }

    private static LabelledImages load(Variant v, Path dir, List<String> names, String split) {
        long start = System.nanoTime();
        Path base = resolveDir(v, dir, names.get(0));
        List<byte[]> contents = new ArrayList<>();
        long records = 0;
        for (String name : names) {
            Path file = base.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new DatasetException(v.title + " file not found: " + file + "; the " + split + " set needs "
                        + String.join(", ", names) + " (download the binary version from "
                        + "https://www.cs.toronto.edu/~kriz/cifar.html and pass its directory with --data)");
            }
            byte[] bytes = readAll(file);
            if (bytes.length == 0 || bytes.length % v.recordBytes() != 0) {
                throw new DatasetException("Corrupt " + v.title + " file " + file + ": " + bytes.length
                        + " bytes is not a positive multiple of the " + v.recordBytes() + "-byte record ("
                        + v.labelBytes + " label byte(s) + " + PIXELS + " pixels); is it the binary version"
                        + (v == Variant.CIFAR10 ? " of CIFAR-10 (not CIFAR-100)?" : " of CIFAR-100 (not CIFAR-10)?"));
            }
            contents.add(bytes);
            records += bytes.length / v.recordBytes();
        }
        if (records * PIXELS > Integer.MAX_VALUE) {
            throw new DatasetException(v.title + " " + split + " set too large: " + records + " images");
        }
        int n = (int) records;
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        int i = 0;
        for (int f = 0; f < contents.size(); f++) {
            byte[] bytes = contents.get(f);
            for (int off = 0; off < bytes.length; off += v.recordBytes(), i++) {
                int label = bytes[off + v.labelBytes - 1] & 0xFF;
                if (label >= v.numClasses) {
                    throw new DatasetException("Corrupt " + v.title + " file " + base.resolve(names.get(f))
                            + ": label " + label + " of record " + (off / v.recordBytes()) + " is outside [0, "
                            + v.numClasses + ")");
                }
                labels[i] = label;
                System.arraycopy(bytes, off + v.labelBytes, pixels, i * PIXELS, PIXELS);
            }
        }
        INDArray u8 = Nd4j.create(Nd4j.createTypedBuffer(pixels, DataType.UBYTE), n, CHANNELS, SIDE, SIDE);
        LabelledImages data = new LabelledImages(u8.castTo(DataType.FLOAT).divi(255f), labels, v.numClasses);
        log.info("Loaded {} {}: {} images from {} in {} ms", v.title, split, n, base,
                (System.nanoTime() - start) / 1_000_000);
        return data;
    }

    /** {@code dir} itself when it holds the files, else its archive sub-directory when that holds them. */
    private static Path resolveDir(Variant v, Path dir, String probe) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new DatasetException(v.title + " directory not found: " + dir + "; download the binary version "
                    + "from https://www.cs.toronto.edu/~kriz/cifar.html, unpack it and pass its directory with --data");
        }
        Path sub = dir.resolve(v.archiveDir);
        if (!Files.isRegularFile(dir.resolve(probe)) && Files.isRegularFile(sub.resolve(probe))) {
            return sub;
        }
        return dir;
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
