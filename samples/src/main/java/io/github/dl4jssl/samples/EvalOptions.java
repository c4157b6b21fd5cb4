package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.data.LabelledImages;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation options shared by {@code train} and {@code eval} (a picocli mixin): which images the kNN bank,
 * the linear probe and the test use, and how long the linear probe trains.
 */
final class EvalOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--eval-train-subset", defaultValue = "10000",
            description = "kNN memory bank and linear-probe training set: the first N training images (0 = all). Default: ${DEFAULT-VALUE}.")
    Integer evalTrainSubset;

    @Option(names = "--eval-test-subset", description = "Evaluate on the first N test images (default: all).")
    Integer evalTestSubset;

    @Option(names = "--linear-epochs", defaultValue = "10", description = "Linear probe epochs. Default: ${DEFAULT-VALUE}.")
    int linearEpochs;

    @Option(names = "--labels-per-class", split = ",", paramLabel = "N",
            description = "Also evaluate with few labels: for each N (e.g. 10,100), a linear probe trained on N labelled images per class"
                    + " (fixed seeded class-balanced subsets of the training set) against the same probe on raw pixels and the"
                    + " same backbone trained supervised from random weights on those images (cached). Default: none.")
    List<Integer> labelsPerClass = new ArrayList<>();

    @Option(names = "--supervised-images", defaultValue = "" + LabelEfficiency.SUPERVISED_IMAGES, paramLabel = "N",
            description = "--labels-per-class: augmented images the supervised-from-scratch baseline trains on. Default: ${DEFAULT-VALUE}.")
    int supervisedImages;

    @Option(names = "--baseline-cache", paramLabel = "DIR",
            description = "Directory of the cached data-only baselines (raw pixels, supervised), or 'none'."
                    + " Default: $XDG_CACHE_HOME/dl4j-ssl/baselines or ~/.cache/dl4j-ssl/baselines.")
    String baselineCache;

    /** Fails on bad evaluation options, naming the option and the fix, before anything is loaded. */
    void validate() {
        for (Integer n : labelsPerClass) {
            if (n == null || n < 1) {
                throw new IllegalArgumentException("--labels-per-class takes positive image counts per class, e.g. 10,100; got " + n);
            }
        }
        if (supervisedImages < 1) {
            throw new IllegalArgumentException("--supervised-images must be at least 1, got " + supervisedImages);
        }
    }

    /**
     * The baselines of a report for these options: the evaluation on {@code evalTrain}/{@code evalTest}, the cache,
     * and the labelled subsets drawn from {@code train} (which fails now if a class has too few images).
     */
    Baselines baselines(Evaluation eval, LabelledImages train, long seed) {
        return new Baselines(eval, BaselineCache.at(baselineCache),
                new LabelEfficiency(train, eval.test(), labelsPerClass, seed, supervisedImages,
                LabelEfficiency.PROBE_STEPS));
    }

    /** The first {@code --eval-train-subset} images of {@code train} (all for 0); see {@link #first}. */
    LabelledImages trainSet(LabelledImages train) {
        return images(train, first(spec, "--eval-train-subset", evalTrainSubset, train.size(), "training set"));
    }

    /** The first {@code --eval-test-subset} images of {@code test} (all when not given or 0); see {@link #first}. */
    LabelledImages testSet(LabelledImages test) {
        return images(test, first(spec, "--eval-test-subset", evalTestSubset, test.size(), "evaluation (test) set"));
    }

    private static LabelledImages images(LabelledImages images, int n) {
        return n == images.size() ? images : images.subset(n);
    }

    /**
     * How many of {@code available} images a subset option takes: {@code n}, or all of them for 0 or null. A value
     * given on the command line that is larger than the data set is refused (it would silently shrink); a larger
     * default (e.g. {@code --train-subset 6000} on a 500-image folder) takes all the images.
     *
     * @param spec the command, to tell a value given on the command line from a default (null: given)
     * @param what the images counted, for the message, e.g. "training set"
     */
    static int first(CommandSpec spec, String option, Integer n, int available, String what) {
        if (n == null || n == 0) {
            return available;
        }
        if (n > available) {
            if (spec == null || spec.commandLine().getParseResult().hasMatchedOption(option)) {
                throw new IllegalArgumentException(option + " " + n + " is larger than the " + what + ", which has "
                        + available + " images; use at most " + available + ", or 0 for all of them");
            }
            return available;
        }
        return n;
    }
}
