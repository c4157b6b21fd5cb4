package io.github.dl4jssl.listeners.monitor;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Statistics over the last {@code W} values of a non-negative series (a gradient norm): mean,
 * population standard deviation, fluctuation {@code std / mean} (coefficient of variation, 0 for a
 * constant series) and spike detection.
 *
 * <p><b>Spike rule.</b> A new value {@code x} is a spike when at least {@code minHistory} earlier
 * values are in the window and {@code x > k * median(earlier values in the window)}. The median of
 * the <em>preceding</em> values (not including {@code x}) is used so that one outlier cannot mask
 * itself, and the median rather than the mean so that an earlier spike still in the window does not
 * raise the bar for the next one. Default {@code k = 3}: iteration-to-iteration gradient norms of
 * a stable run vary well within a factor of 2, while the instabilities MoCo v3 (Chen, Xie, He 2021)
 * reports are jumps of an order of magnitude in the first layer's gradient; 3 catches those early
 * with few false alarms. A spike is still added to the window.
 */
public final class SlidingWindowStats {

    /** Default window length. */
    public static final int DEFAULT_WINDOW = 50;
    /** Default spike factor {@code k}. */
    public static final double DEFAULT_SPIKE_FACTOR = 3.0;
    /** Default number of earlier values needed before spikes are flagged. */
    public static final int DEFAULT_MIN_HISTORY = 5;

    /**
     * The outcome of adding one value.
     *
     * @param value       the value added
     * @param median      median of the preceding values in the window (NaN if none)
     * @param mean        mean of the window including {@code value}
     * @param std         population standard deviation of the window including {@code value}
     * @param fluctuation {@code std / mean} (0 when {@code std == 0})
     * @param spike       whether {@code value} is a spike
     */
    public record Observation(double value, double median, double mean, double std, double fluctuation,
                              boolean spike) {
    }

    private final int window;
    private final double spikeFactor;
    private final int minHistory;
    private final ArrayDeque<Double> values = new ArrayDeque<>();

    /** Defaults: window 50, k = 3, min history 5. */
    public SlidingWindowStats() {
        this(DEFAULT_WINDOW, DEFAULT_SPIKE_FACTOR, DEFAULT_MIN_HISTORY);
    }

    /**
     * @param window      {@code W >= 1}
     * @param spikeFactor {@code k > 0}
     * @param minHistory  earlier values needed before flagging, {@code >= 1}
     */
    public SlidingWindowStats(int window, double spikeFactor, int minHistory) {
        if (window < 1 || !(spikeFactor > 0) || minHistory < 1) {
            throw new IllegalArgumentException("window >= 1, spikeFactor > 0, minHistory >= 1 required; got "
                    + window + ", " + spikeFactor + ", " + minHistory);
        }
        this.window = window;
        this.spikeFactor = spikeFactor;
        this.minHistory = minHistory;
    }

    /**
     * Adds a value (dropping the oldest beyond {@code W}) and returns its statistics.
     *
     * @param x the new value
     * @return the observation
     */
    public synchronized Observation add(double x) {
        double median = median(values);
        boolean spike = values.size() >= minHistory && x > spikeFactor * median;
        values.addLast(x);
        while (values.size() > window) {
            values.removeFirst();
        }
        double mean = mean();
        double std = std();
        return new Observation(x, median, mean, std, std == 0 ? 0.0 : std / mean, spike);
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
    public synchronized double median() {
        return median(values);
    }

    /** @return how many values are in the window */
    public synchronized int size() {
        return values.size();
    }

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
