package io.github.dl4jssl.samples.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A claim's test over seeds: two conditions measured with the same seeds, the mean of the per-seed differences
 * {@code a - b} with its 95% paired t confidence interval ({@code mean +- t_{0.975, n-1} s / sqrt(n)}, {@code s} the
 * sample standard deviation of the differences), and the verdict the interval gives: reproduced (the interval lies on
 * the side the paper predicts), contradicted (on the other side) or inconclusive (it contains 0). For an inconclusive
 * result {@link #seedsNeeded} estimates, from the observed mean and spread, how many seeds would make the interval
 * exclude 0.
 *
 * @param what          the claim, e.g. "continual collapses less than multi-epoch"
 * @param comparison    what is compared, e.g. "collapse AUC: continual - multi-epoch"
 * @param seeds         number of paired seeds
 * @param mean          mean difference
 * @param lower         lower end of the 95% interval (NaN with one seed)
 * @param upper         upper end
 * @param verdict       the verdict
 * @param seedsNeeded   inconclusive: seeds for the interval to exclude 0 at the observed mean and spread (-1: never,
 *                      the observed mean is 0 or there is no spread to extrapolate); otherwise 0
 */
public record PairedComparison(String what, String comparison, int seeds, double mean, double lower, double upper,
                               Verdict verdict, int seedsNeeded) {

    /** Confidence of the intervals. */
    public static final double CONFIDENCE = 0.95;
    /** Seeds the issue asks for before a comparison may decide a claim. */
    public static final int DECISIVE_SEEDS = 5;
    private static final int MAX_SEEDS = 100_000;
    /** How to read the claim tables, for {@code results.md}. */
    public static final String LEGEND = "Each comparison pairs the two conditions seed by seed: the mean difference, its "
            + "95% paired t interval over the seeds, and the verdict the interval gives: reproduced (it lies on the paper's "
            + "side of 0), contradicted (on the other side) or inconclusive (it contains 0; then the seeds that would make "
            + "it exclude 0 if the observed mean difference and spread held). A verdict from fewer than " + DECISIVE_SEEDS
            + " seeds is marked as not decisive.";

    /** Which sign of {@code a - b} the paper predicts. */
    public enum Expected {
        /** {@code a > b}. */
        GREATER,
        /** {@code a < b}. */
        LESS
    }

    /** What the interval says about the claim. */
    public enum Verdict {
        REPRODUCED, CONTRADICTED, INCONCLUSIVE;

        @Override
        public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * @param what       the claim
     * @param comparison what is compared
     * @param a          seed -> value of the first condition
     * @param b          seed -> value of the second; only seeds in both count
     * @param expected   the sign the claim predicts for {@code a - b}
     */
    public static PairedComparison of(String what, String comparison, Map<String, Double> a, Map<String, Double> b,
                                      Expected expected) {
        List<Double> d = new ArrayList<>();
        for (Map.Entry<String, Double> e : a.entrySet()) {
            Double other = b.get(e.getKey());
            if (other != null && Double.isFinite(other) && Double.isFinite(e.getValue())) {
                d.add(e.getValue() - other);
            }
        }
        return ofDifferences(what, comparison, d, expected);
    }

    /**
     * @param values the per-seed differences {@code a - b} (or one-sample values tested against 0); NaN ones are left out
     */
    public static PairedComparison ofDifferences(String what, String comparison, List<Double> values, Expected expected) {
        List<Double> differences = values.stream().filter(Double::isFinite).toList();
        int n = differences.size();
        double mean = Stats.mean(differences);
        if (n < 2) {
            return new PairedComparison(what, comparison, n, mean, Double.NaN, Double.NaN, Verdict.INCONCLUSIVE, -1);
        }
        double sd = Stats.std(differences);
        double h = Stats.tHalfWidth(sd, n, CONFIDENCE);
        double lower = mean - h, upper = mean + h;
        boolean above = lower > 0, below = upper < 0;
        Verdict v = !(above || below) ? Verdict.INCONCLUSIVE
                : (above == (expected == Expected.GREATER)) ? Verdict.REPRODUCED : Verdict.CONTRADICTED;
        return new PairedComparison(what, comparison, n, mean, lower, upper, v,
                v == Verdict.INCONCLUSIVE ? seedsNeeded(Math.abs(mean), sd) : 0);
    }

    /** The smallest n with {@code t_{0.975, n-1} sd / sqrt(n) < |mean|}; -1 when none (up to 100,000). */
    static int seedsNeeded(double absMean, double sd) {
        if (!(absMean > 0) || !(sd > 0)) {
            return -1;
        }
        for (int n = 2; n <= MAX_SEEDS; n++) {
            if (Stats.tHalfWidth(sd, n, CONFIDENCE) < absMean) {
                return n;
            }
        }
        return -1;
    }

    /**
     * @param comparisons the claims' comparisons
     * @param decimals    decimals of the differences
     * @param scale       factor the differences are shown with (100 for fractions as percentage points)
     * @return a table: claim, comparison, seeds, mean difference, 95% interval, verdict, seeds needed
     */
    public static Table table(List<PairedComparison> comparisons, int decimals, double scale) {
        Table t = new Table("claim", "comparison (a - b)", "seeds", "mean difference", "95% CI (paired t)", "verdict",
                "seeds for a verdict");
        for (PairedComparison c : comparisons) {
            String ci = c.seeds < 2 ? "needs 2 seeds"
                    : "[" + Table.num(scale * c.lower, decimals) + ", " + Table.num(scale * c.upper, decimals) + "]";
            String verdict = c.verdict + (c.seeds < DECISIVE_SEEDS ? " (< " + DECISIVE_SEEDS + " seeds: not decisive)" : "");
            String needed = c.verdict != Verdict.INCONCLUSIVE ? "-"
                    : c.seedsNeeded < 0 ? (c.seeds < 2 ? "unknown (no spread yet)" : "none (no difference observed)")
                    : "about " + c.seedsNeeded;
            t.row(c.what, c.comparison, c.seeds, String.format("%+." + decimals + "f", scale * c.mean), ci, verdict, needed);
        }
        return t;
    }
}
