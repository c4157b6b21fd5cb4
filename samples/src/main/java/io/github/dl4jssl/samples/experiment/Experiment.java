package io.github.dl4jssl.samples.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A finding of the seed papers turned into a rerunnable experiment: it plans a set of {@code train} runs and
 * summarizes their reports into {@code results.md}, CSV files and PNG plots, saying what the runs show about
 * the paper's claim.
 */
public interface Experiment {

    /** The command-line name, e.g. {@code momentum-plugin}. */
    String name();

    /** The paper and the claim the experiment tests, one paragraph of Markdown. */
    String claim();

    /** Default number of seeds per variant. */
    default int defaultSeeds() {
        return 1;
    }

    /** The runs for a budget. */
    List<PlannedRun> plan(Budget budget);

    /**
     * Runs to add once the planned ones (and earlier follow-ups) have finished, e.g. more seeds for the variants a
     * first screening kept (successive halving); the runner asks again until none are added. Default: none.
     *
     * @param budget   the budget
     * @param finished every run finished so far
     * @return further runs, none of them already finished
     */
    default List<PlannedRun> followUp(Budget budget, List<FinishedRun> finished) {
        return List.of();
    }

    /**
     * Writes the experiment's tables and plots into {@code outDir} and returns the Markdown body of
     * {@code results.md} (tables, plot links, what the runs show).
     */
    String summarize(List<FinishedRun> runs, Path outDir) throws IOException;
}
