package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.Baselines;
import io.github.dl4jssl.train.Evaluation;
import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.SpecChecks;
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

    @Option(names = "--eval-train-subset", defaultValue = "" + RunSpec.DEFAULT_EVAL_TRAIN_IMAGES,
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

    @Option(names = "--supervised-images", defaultValue = "" + RunSpec.DEFAULT_SUPERVISED_IMAGES, paramLabel = "N",
            description = "--labels-per-class: augmented images the supervised-from-scratch baseline trains on. Default: ${DEFAULT-VALUE}.")
    int supervisedImages;

    @Option(names = "--baseline-cache", paramLabel = "DIR",
            description = "Directory of the cached data-only baselines (raw pixels, supervised), or 'none'."
                    + " Default: $XDG_CACHE_HOME/dl4j-ssl/baselines or ~/.cache/dl4j-ssl/baselines.")
    String baselineCache;

    /** Fails on bad evaluation options, naming the option and the fix, before anything is loaded. */
    void validate() {
        SpecChecks.evaluation(labelsPerClass, supervisedImages);
    }

    /** Puts these options into {@code b}; the evaluation training set's size only when given. */
    RunSpec.Builder apply(RunSpec.Builder b, Given given) {
        return b.evalTrainSubset(given.value("--eval-train-subset", evalTrainSubset)).evalTestSubset(evalTestSubset)
                .linearEpochs(linearEpochs).labelsPerClass(labelsPerClass).supervisedImages(supervisedImages)
                .baselineCache(baselineCache);
    }

    /**
     * The baselines of a report for these options: the evaluation on {@code evalTrain}/{@code evalTest}, the cache,
     * and the labelled subsets drawn from {@code train} (which fails now if a class has too few images).
     */
    Baselines baselines(Evaluation eval, LabelledImages train, long seed) {
        return Baselines.of(eval, baselineCache, train, labelsPerClass, seed, supervisedImages);
    }

    /** The first {@code --eval-train-subset} images of {@code train} (all for 0); see {@link Evaluation#first}. */
    LabelledImages trainSet(LabelledImages train) {
        Given given = new Given(spec);
        return Evaluation.firstImages(train, Evaluation.first("--eval-train-subset", given.value("--eval-train-subset",
                evalTrainSubset), evalTrainSubset, train.size(), "training set"));
    }

    /** The first {@code --eval-test-subset} images of {@code test} (all when not given or 0); see {@link Evaluation#first}. */
    LabelledImages testSet(LabelledImages test) {
        return Evaluation.firstImages(test, Evaluation.first("--eval-test-subset", evalTestSubset, null, test.size(),
                "evaluation (test) set"));
    }
}
