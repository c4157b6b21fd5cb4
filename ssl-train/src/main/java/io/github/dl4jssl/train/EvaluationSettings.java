package io.github.dl4jssl.train;

import java.util.List;

/**
 * The evaluation settings that a training run ({@link RunSpec.Builder}) and the evaluation of a saved backbone
 * ({@link BackboneEvaluation.Builder}) share, each named after the option of {@code train} and {@code eval} it
 * mirrors; lets one mapping of those options serve both builders.
 *
 * @param <B> the builder's own type
 */
public interface EvaluationSettings<B extends EvaluationSettings<B>> {

    /** {@code --eval-train-subset}: kNN bank and probe training set, the first N training images (0 = all; null = the default). */
    B evalTrainSubset(Integer n);

    /** {@code --eval-test-subset}: the first N test images (0 or null = all). */
    B evalTestSubset(Integer n);

    /** {@code --linear-epochs}: linear-probe epochs (default {@value RunSpec#DEFAULT_LINEAR_EPOCHS}). */
    B linearEpochs(int epochs);

    /** {@code --labels-per-class}: also the few-label rows for these labelled images per class (default none). */
    B labelsPerClass(List<Integer> n);

    /** {@code --supervised-images}: augmented images of the supervised few-label baseline. */
    B supervisedImages(int n);

    /** {@code --baseline-cache}: directory of the cached data-only baselines, or "none" (null = the user's cache). */
    B baselineCache(String dir);
}
