package io.github.dl4jssl.samples.experiment;

import org.apache.commons.math3.distribution.TDistribution;

import java.util.Arrays;
import java.util.List;

/**
 * Small statistics for experiment summaries: mean, sample standard deviation, Spearman rank correlation, Student t
 * quantiles and confidence intervals (Apache Commons Math's {@link TDistribution}).
 */
public final class Stats {

    private Stats() {
    }

    public static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (n - 1); 0 for a single value. */
    public static double std(List<Double> xs) {
        if (xs.size() < 2) {
            return 0;
        }
        double m = mean(xs);
        double ss = xs.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
        return Math.sqrt(ss / (xs.size() - 1));
    }

    /**
     * @param p           probability, e.g. 0.975
     * @param freedom     degrees of freedom, at least 1
     * @return the {@code p} quantile of Student's t distribution
     */
    public static double tQuantile(double p, int freedom) {
        if (freedom < 1) {
            throw new IllegalArgumentException("Student t needs at least 1 degree of freedom, got " + freedom);
        }
        return new TDistribution(null, freedom).inverseCumulativeProbability(p);
    }

    /**
     * Half the width of the two-sided t confidence interval of a mean: {@code t_{(1+c)/2, n-1} * s / sqrt(n)}.
     *
     * @param std        sample standard deviation
     * @param n          sample size, at least 2
     * @param confidence e.g. 0.95
     */
    public static double tHalfWidth(double std, int n, double confidence) {
        return tQuantile((1 + confidence) / 2, n - 1) * std / Math.sqrt(n);
    }

    /** Spearman's rank correlation (Pearson correlation of the ranks; ties get their mean rank). */
    public static double spearman(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("spearman needs two samples of equal size >= 2, got " + x.length + " and " + y.length);
        }
        return pearson(ranks(x), ranks(y));
    }

    static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Ranks 1..n, ties sharing their mean rank. */
    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = rank;
            }
            i = j + 1;
        }
        return r;
    }
}
