package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.data.LabelledImages;
import picocli.CommandLine.Option;

/**
 * The evaluation options shared by {@code train} and {@code eval} (a picocli mixin): which images the kNN bank,
 * the linear probe and the test use, and how long the linear probe trains.
 */
final class EvalOptions {

    @Option(names = "--eval-train-subset", defaultValue = "10000",
            description = "kNN memory bank and linear-probe training set: the first N training images (0 = all). Default: ${DEFAULT-VALUE}.")
    Integer evalTrainSubset;

    @Option(names = "--eval-test-subset", description = "Evaluate on the first N test images (default: all).")
    Integer evalTestSubset;

    @Option(names = "--linear-epochs", defaultValue = "10", description = "Linear probe epochs. Default: ${DEFAULT-VALUE}.")
    int linearEpochs;

    /** The first {@code --eval-train-subset} images of {@code train} (all for 0). */
    LabelledImages trainSet(LabelledImages train) {
        return first(train, evalTrainSubset);
    }

    /** The first {@code --eval-test-subset} images of {@code test} (all when not given or 0). */
    LabelledImages testSet(LabelledImages test) {
        return first(test, evalTestSubset);
    }

    private static LabelledImages first(LabelledImages images, Integer n) {
        return n != null && n > 0 ? images.subset(Math.min(n, images.size())) : images;
    }
}
