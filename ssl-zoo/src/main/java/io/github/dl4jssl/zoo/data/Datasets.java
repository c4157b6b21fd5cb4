package io.github.dl4jssl.zoo.data;

import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The data sets known by name, for the command line and configuration files: {@value #FASHION_MNIST}
 * ({@link FashionMnist}), {@value #CIFAR10} and {@value #CIFAR100} ({@link Cifar}, binary version) and
 * {@value #FOLDER} (an ImageNet-style {@link ImageFolder}). Each resolves to a {@link Split}: the images to train on
 * and labelled images to evaluate on (the official test set, or the held-out fraction of a folder).
 */
public final class Datasets {
    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String CIFAR10 = "cifar10";
    public static final String CIFAR100 = "cifar100";
    public static final String FOLDER = "folder";

    /** All names accepted by {@link #load}. */
    public static final List<String> NAMES = List.of(FASHION_MNIST, CIFAR10, CIFAR100, FOLDER);

    private Datasets() {
    }

    /**
     * Where and how to load a data set.
     *
     * @param dir       the directory of the files; {@code null} = the default location (Fashion-MNIST only)
     * @param imageSize side of the square images a folder is resized to (folders only)
     * @param channels  1 or 3 (folders only)
     * @param holdout   fraction of a folder held out for evaluation, in (0, 1) (folders only)
     * @param seed      seed of the hold-out selection (folders only)
     * @param maxPixels images with more pixels are skipped (folders only; {@link ImageFolder.Builder#maxPixels})
     */
    public record Options(Path dir, int imageSize, int channels, double holdout, long seed, long maxPixels) {
        /** Options with the default pixel limit {@link ImageFolder#DEFAULT_MAX_PIXELS}. */
        public Options(Path dir, int imageSize, int channels, double holdout, long seed) {
            this(dir, imageSize, channels, holdout, seed, ImageFolder.DEFAULT_MAX_PIXELS);
        }

        /** Defaults for folders: 32x32 RGB, 10% held out, seed 42. */
        public static Options of(Path dir) { return new Options(dir, 32, 3, 0.1, 42); }
    }

    /**
     * A loaded data set.
     *
     * @param name    the registry name
     * @param train   the images to train on (and to use as the kNN bank / linear-probe training set)
     * @param test    labelled images to evaluate on
     * @param skipped image files that could not be read and were skipped (folders; empty otherwise)
     */
    public record Split(String name, LabelledImages train, LabelledImages test, List<Path> skipped) {
        /** The SimCLR augmentations for these images: greyscale or colour by the channel count. */
        public AugmentationPipeline simclrPipeline() { return Datasets.simclrPipeline(train); }

        /** {@link #simclrPipeline()} with the random resized crop's smallest area fraction {@code cropScale}. */
        public AugmentationPipeline simclrPipeline(double cropScale) {
            return Datasets.simclrPipeline(train, cropScale);
        }
    }

    /**
     * Loads the data set called {@code name}.
     *
     * @throws IllegalArgumentException if the name is unknown (the message lists the valid names) or a folder
     *                                  option is out of range
     * @throws DatasetException         if the files are missing or corrupt, or a folder is unlabelled
     */
    public static Split load(String name, Options options) {
        switch (normalise(name)) {
            case FASHION_MNIST: {
                Path dir = options.dir() != null ? options.dir() : FashionMnist.DEFAULT_DIR;
                return new Split(FASHION_MNIST, FashionMnist.loadTrain(dir), FashionMnist.loadTest(dir), List.of());
            }
            case CIFAR10:
                return cifar(CIFAR10, Cifar.Variant.CIFAR10, options);
            case CIFAR100:
                return cifar(CIFAR100, Cifar.Variant.CIFAR100, options);
            case FOLDER:
                return folder(options);
            default:
                throw new AssertionError(name);
        }
    }

    /** The lower-cased name, or an {@link IllegalArgumentException} listing the valid names. */
    public static String normalise(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown data set '" + name + "'; valid data sets: "
                    + String.join(", ", NAMES));
        }
        return n;
    }

    /** {@link AugmentationPipeline#simclrGrayscale} for one channel, {@link AugmentationPipeline#simclrColor} else. */
    public static AugmentationPipeline simclrPipeline(LabelledImages images) {
        return simclrPipeline(images, AugmentationPipeline.DEFAULT_CROP_SCALE);
    }

    /** {@link #simclrPipeline(LabelledImages)} with the random resized crop's smallest area fraction {@code cropScale}. */
    public static AugmentationPipeline simclrPipeline(LabelledImages images, double cropScale) {
        return images.channels() == 1 ? AugmentationPipeline.simclrGrayscale(images.height(), cropScale)
                : AugmentationPipeline.simclrColor(images.height(), cropScale);
    }

    private static Split cifar(String name, Cifar.Variant variant, Options o) {
        if (o.dir() == null) {
            throw new DatasetException(name + " needs its directory: download the binary version from "
                    + "https://www.cs.toronto.edu/~kriz/cifar.html, unpack it and pass the directory with --data");
        }
        return new Split(name, Cifar.loadTrain(variant, o.dir()), Cifar.loadTest(variant, o.dir()), List.of());
    }

    private static Split folder(Options o) {
        if (o.dir() == null) {
            throw new DatasetException("the folder data set needs its directory: pass --data DIR (one sub-folder "
                    + "of images per class)");
        }
        if (!(o.holdout() > 0 && o.holdout() < 1)) {
            throw new IllegalArgumentException("--holdout must be in (0, 1) for evaluation, got " + o.holdout());
        }
        ImageFolder f = ImageFolder.builder(o.dir()).imageSize(o.imageSize()).channels(o.channels())
                .holdout(o.holdout()).seed(o.seed()).maxPixels(o.maxPixels()).minClasses(2).load();
        if (f.heldOut() == null) {
            throw new DatasetException("image folder " + o.dir() + ": the hold-out fraction " + o.holdout()
                    + " holds out no image; use a larger --holdout or add images");
        }
        return new Split(FOLDER, f.train(), f.heldOut(), f.skipped());
    }
}
