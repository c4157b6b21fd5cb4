package io.github.dl4jssl.samples.experiment;

/**
 * What every experiment of this package states about itself, given once to the constructor: its command-line name,
 * the paper and claim it tests, and how many seeds it runs by default. A subclass writes only its plan and its
 * summary.
 */
abstract class PaperExperiment implements Experiment {
    private final String name;
    private final String claim;
    private final int defaultSeeds;

    /**
     * @param name         the command-line name, e.g. {@code momentum-plugin}
     * @param claim        the paper and the claim tested, one paragraph of Markdown
     * @param defaultSeeds default number of seeds per variant
     */
    PaperExperiment(String name, String claim, int defaultSeeds) {
        this.name = name;
        this.claim = claim;
        this.defaultSeeds = defaultSeeds;
    }

    @Override
    public final String name() { return name; }

    @Override
    public final String claim() { return claim; }

    @Override
    public final int defaultSeeds() { return defaultSeeds; }
}
