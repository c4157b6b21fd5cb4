package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.SpecChecks;
import io.github.dl4jssl.zoo.data.ImageFolder;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The data-set options shared by {@code train} and {@code eval} (a picocli mixin): which data set of the
 * {@link Datasets} registry, its directory, and how an image folder is decoded and split.
 */
final class DataOptions {

    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "Data set: fashion-mnist, cifar10, cifar100 (binary version), folder (one sub-folder of images per class). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--data", description = "Directory of the data set files (default for fashion-mnist: the Debian package's directory).")
    Path data;

    @Option(names = "--image-size", defaultValue = "32", description = "folder: side of the square images it is cropped and resized to. Default: ${DEFAULT-VALUE}.")
    int imageSize;

    @Option(names = "--channels", defaultValue = "3", description = "folder: 3 (RGB) or 1 (greyscale). Default: ${DEFAULT-VALUE}.")
    int channels;

    @Option(names = "--holdout", defaultValue = "0.1", description = "folder: fraction held out (stratified) for kNN and linear evaluation. Default: ${DEFAULT-VALUE}.")
    double holdout;

    @Option(names = "--max-image-pixels", defaultValue = "" + ImageFolder.DEFAULT_MAX_PIXELS,
            description = "folder: images with more pixels (read from the file header) are skipped and counted like unreadable ones. Default: ${DEFAULT-VALUE}.")
    long maxImagePixels;

    /** Fails on a folder option out of range, before anything is loaded. */
    void validate() {
        SpecChecks.folder(dataset, imageSize, channels, holdout, maxImagePixels);
    }

    /** Puts these options into {@code b}, the folder options only when given. */
    RunSpec.Builder apply(RunSpec.Builder b, Given given) {
        return b.dataset(dataset).data(data).imageSize(given.value("--image-size", imageSize))
                .channels(given.value("--channels", channels)).holdout(given.value("--holdout", holdout))
                .maxImagePixels(given.value("--max-image-pixels", maxImagePixels));
    }

    /** Loads the data set; {@code seed} chooses a folder's hold-out. */
    Datasets.Split load(long seed) {
        return Datasets.load(dataset, new Datasets.Options(data, imageSize, channels, holdout, seed, maxImagePixels));
    }
}
