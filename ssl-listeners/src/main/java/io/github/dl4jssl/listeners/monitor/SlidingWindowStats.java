package io.github.dl4jssl.listeners.monitor;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Statistics over the last {@code W} values of a non-negative series (a gradient norm): mean,
 * population standard deviation, fluctuation {@code std / mean} (coefficient of variation, 0 for a
 * constant series; Pham et al. 2022) and median. Spikes are flagged by {@link SpikeDetector}, which
 * uses a robust scale over its own, longer window.
 */
public final class SlidingWindowStats {

    /** Default window length. */
    public static final int DEFAULT_WINDOW = 50;

    /**
     * The outcome of adding one value.
     *
     * @param value       the value added
     * @param mean        mean of the window including {@code value}
     * @param std         population standard deviation of the window including {@code value}
     * @param fluctuation {@code std / mean} (0 when {@code std == 0})
     */
    public record Observation(double value, double mean, double std, double fluctuation) {
    }

    private final int window;
    private final ArrayDeque<Double> values = new ArrayDeque<>();

    /** Window 50. */
    public SlidingWindowStats() {
        this(DEFAULT_WINDOW);
    }

    /** @param window {@code W >= 1} */
    public SlidingWindowStats(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("the fluctuation window must hold at least 1 value, got " + window);
        }
        this.window = window;
    }

    /**
     * Adds a value (dropping the oldest beyond {@code W}) and returns its statistics.
     *
     * @param x the new value
     * @return the observation
     */
    public synchronized Observation add(double x) {
        values.addLast(x);
        while (values.size() > window) {
            values.removeFirst();
        }
        double mean = mean();
        double std = std();
        return new Observation(x, mean, std, std == 0 ? 0.0 : std / mean);
    }

    /** @return mean of the window (NaN when empty) */
    public synchronized double mean() {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s / values.size();
    }

    /** @return population standard deviation of the window (NaN when empty) */
    public synchronized double std() {
        double m = mean();
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double s = 0;
        for (double v : values) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / values.size());
    }

    /** @return {@code std / mean} of the window, 0 for a constant window, NaN when empty */
    public synchronized double fluctuation() {
        double sd = std();
        return sd == 0 ? 0.0 : sd / mean();
    }

    /** @return median of the window (NaN when empty) */
    public synchronized double median() { return median(values); }

    /** @return how many values are in the window */
    public synchronized int size() { return values.size(); }

    private static double median(ArrayDeque<Double> q) {
        if (q.isEmpty()) {
            return Double.NaN;
        }
        double[] a = q.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
    }
}
