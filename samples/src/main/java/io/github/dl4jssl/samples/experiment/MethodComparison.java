package io.github.dl4jssl.samples.experiment;

import java.util.List;

/**
 * A {@link PaperExperiment} that trains each of a list of methods on the same budget and seeds and compares them
 * (Pham et al. 2022's momentum-encoder ablations): the subclass names the methods and the budget once, in the
 * constructor, and writes only its summary.
 */
abstract class MethodComparison extends PaperExperiment {
    private final List<String> methods;
    private final int trainImages;
    private final int epochs;

    /**
     * @param methods     the {@code train --method} names compared, one run per method and seed
     * @param trainImages training images of every run (before {@code --scale})
     * @param epochs      epochs of every run
     */
    MethodComparison(String name, String claim, int defaultSeeds, List<String> methods, int trainImages, int epochs) {
        super(name, claim, defaultSeeds);
        this.methods = List.copyOf(methods);
        this.trainImages = trainImages;
        this.epochs = epochs;
    }

    @Override
    public final List<PlannedRun> plan(Budget budget) {
        return budget.perMethod(methods, trainImages, epochs);
    }
}
