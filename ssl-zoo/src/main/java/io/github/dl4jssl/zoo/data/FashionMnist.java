package io.github.dl4jssl.zoo.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; 60,000 training and 10,000 test greyscale 28x28 images in
 * 10 classes) from the IDX files as shipped by the Debian package {@code dataset-fashion-mnist}, either
 * gzip-compressed ({@code train-images-idx3-ubyte.gz}, ...) or uncompressed (same names without {@code .gz}).
 * Images are returned as float32 {@code [N, 1, 28, 28]} in [0, 1].
 */
public final class FashionMnist {
    private static final Logger log = LoggerFactory.getLogger(FashionMnist.class);

    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEFAULT_DIR = Paths.get("/usr/share/datasets/fashion-mnist");

    /** Class names, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    public static final int NUM_CLASSES = 10;
    public static final int TRAIN_SIZE = 60_000;
    public static final int TEST_SIZE = 10_000;

    private static final String FIX = "install it with `apt-get install dataset-fashion-mnist` or pass --data <dir>";

    private FashionMnist() {
    }

    /** The 60,000 training images from {@link #DEFAULT_DIR}. */
    public static LabelledImages loadTrain() { return loadTrain(DEFAULT_DIR); }

    /** The 10,000 test images from {@link #DEFAULT_DIR}. */
    public static LabelledImages loadTest() { return loadTest(DEFAULT_DIR); }

    /** The training images from {@code dir}. */
    public static LabelledImages loadTrain(Path dir) { return load(dir, "train"); }

    /** The test images from {@code dir}. */
    public static LabelledImages loadTest(Path dir) { return load(dir, "t10k"); }

    private static LabelledImages load(Path dir, String prefix) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new DatasetException("Fashion-MNIST directory not found: " + dir + "; " + FIX);
        }
        long start = System.nanoTime();
        Path images = resolve(dir, prefix + "-images-idx3-ubyte");
        Path labels = resolve(dir, prefix + "-labels-idx1-ubyte");
        LabelledImages data = IdxReader.read(images, labels, NUM_CLASSES);
        log.info("Loaded Fashion-MNIST {}: {} images {}x{} from {} in {} ms", prefix, data.size(), data.height(),
                data.width(), dir, (System.nanoTime() - start) / 1_000_000);
        return data;
    }

    private static Path resolve(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new DatasetException("Fashion-MNIST file not found: " + gz + " (nor " + plain + "); " + FIX);
    }
}
