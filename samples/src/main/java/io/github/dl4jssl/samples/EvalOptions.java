package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.EvaluationSettings;
import io.github.dl4jssl.train.RunSpec;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation options shared by {@code train} and {@code eval} (a picocli mixin): which images the kNN bank,
 * the linear probe and the test use, and how long the linear probe trains.
 */
final class EvalOptions {

    @Option(names = "--eval-train-subset", defaultValue = "" + RunSpec.DEFAULT_EVAL_TRAIN_IMAGES,
            description = "kNN memory bank and linear-probe training set: the first N training images (0 = all). Default: ${DEFAULT-VALUE}.")
    Integer evalTrainSubset;

    @Option(names = "--eval-test-subset", description = "Evaluate on the first N test images (default: all).")
    Integer evalTestSubset;

    @Option(names = "--linear-epochs", defaultValue = "" + RunSpec.DEFAULT_LINEAR_EPOCHS, description = "Linear probe epochs. Default: ${DEFAULT-VALUE}.")
    int linearEpochs;

    @Option(names = "--labels-per-class", split = ",", paramLabel = "N",
            description = "Also evaluate with few labels: for each N (e.g. 10,100), a linear probe trained on N labelled images per class"
                    + " (fixed seeded class-balanced subsets of the training set) against the same probe on raw pixels and the"
                    + " same backbone trained supervised from random weights on those images (cached). Default: none.")
    List<Integer> labelsPerClass = new ArrayList<>();

    @Option(names = "--supervised-images", defaultValue = "" + RunSpec.DEFAULT_SUPERVISED_IMAGES, paramLabel = "N",
            description = "--labels-per-class: augmented images the supervised-from-scratch baseline trains on. Default: ${DEFAULT-VALUE}.")
    int supervisedImages;

    @Option(names = "--baseline-cache", paramLabel = "DIR",
            description = "Directory of the cached data-only baselines (raw pixels, supervised), or 'none'."
                    + " Default: $XDG_CACHE_HOME/dl4j-ssl/baselines or ~/.cache/dl4j-ssl/baselines.")
    String baselineCache;

    /** Puts these options into {@code b}; the evaluation training set's size only when given. */
    <B extends EvaluationSettings<B>> B apply(B b, Given given) {
        return b.evalTrainSubset(given.value("--eval-train-subset", evalTrainSubset)).evalTestSubset(evalTestSubset)
                .linearEpochs(linearEpochs).labelsPerClass(labelsPerClass).supervisedImages(supervisedImages)
                .baselineCache(baselineCache);
    }
}
