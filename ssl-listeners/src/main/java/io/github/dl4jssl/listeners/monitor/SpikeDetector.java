package io.github.dl4jssl.listeners.monitor;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Flags spikes in a positive series (a gradient norm per iteration) with a robust running scale: a Hampel-type
 * outlier rule on the logarithm of the values, with a minimum history and hysteresis.
 *
 * <p><b>Why.</b> Chen, Xie, He 2021 ("An Empirical Study of Training Self-Supervised Vision Transformers", MoCo v3,
 * section 4.2) found that unstable training shows first as sudden jumps of the first layer's gradient magnitude.
 * The gradient norm of a healthy run is noisy too (in the default SimCLR run the first layer's norm swings between
 * 0.15 and 1.5 from one iteration to the next, and the old rule "above 3 times the median of the last 50" flagged 11
 * of its 138 iterations), so the rule has to separate a jump from that noise, whatever the norm's level, its noise
 * and its drift.
 *
 * <p><b>Rule.</b> Let {@code l = ln x} and let the window hold the logarithms of the last {@code W} values
 * <em>before</em> {@code x} (so a spike cannot mask itself). With {@code m} their median and
 * {@code s = max(1.4826 MAD, minScale)} their robust standard deviation ({@code MAD} = median absolute deviation
 * from {@code m}; 1.4826 makes it consistent with the standard deviation for normal data, Rousseeuw and Croux
 * 1993), the robust z-score is {@code z = (l - m) / s}. A value <em>starts</em> a spike when the window holds at
 * least {@code minHistory} values, no spike is in progress and {@code z > threshold}; the spike stays in progress
 * (later values do not count again) until a value has {@code z <= release}. Every finite value, spike or not,
 * enters the window: median and MAD ignore a few outliers, and a lasting change of level becomes the new
 * normal after about {@code W / 2} values instead of raising an alarm forever.
 *
 * <p><b>Defaults</b> (see {@link Config#DEFAULT}), chosen on the gradient norms of the default {@code train} run
 * (SimCLR, SmallCnn, 6,000 Fashion-MNIST images, 3 epochs of 46 iterations; the test resource
 * {@code simclr-default-gradients.csv}, {@code DefaultRunSpikesTest}) and on synthetic log-normal series with
 * injected spikes ({@code SpikeDetectorTest}):
 * <ul>
 *   <li>{@code W = 100}: two epochs of the default run, long enough for a stable median and MAD (the MAD of 100
 *       normal samples has a relative standard error of about 12%), short enough to follow the drift of the norm
 *       as the loss falls. A window of 50 finds slightly more injected spikes (recall 0.94-0.97 against
 *       0.91-0.96 in a simulation of the synthetic test with 5 x 10 seeds) at 3 false alarms in 100,000
 *       iterations against none.</li>
 *   <li>{@code minHistory = 20}: with fewer values the MAD is too unreliable (from 10 values its relative
 *       standard error is about 40%), and the first iterations of a run change the norm fastest: with 10 the
 *       default run's first layer gets a second spike at iteration 14, in the first epoch.</li>
 *   <li>{@code threshold = 5}: for Gaussian log-noise a robust z above 5 has probability 3e-7. The robust scale
 *       of the default run's other blocks is 0.15 to 0.39 in log units (the first layer's 0.23 before iteration 26,
 *       then up to 0.77, when its norm starts to swing), so a spike is a jump to 2.1 to 7 times the running
 *       median; MoCo v3 reports order-of-magnitude jumps. A threshold of 6 misses a fifth of the synthetic test's
 *       spikes (4 to 10 times the level on noise of scale 0.25), 4.5 brings the first layer of the default run
 *       to within 0.5 of a second flag (z = 4.0 at iteration 33, right after its first spike).</li>
 *   <li>{@code release = 3}: a spike ends once the norm is back within three robust standard deviations of the
 *       median, so a burst of large values counts once while a new jump after a return to normal counts
 *       again.</li>
 *   <li>{@code minScale = 0.05}: a floor on {@code s} so that an almost constant series (a layer that barely
 *       learns, or a test) does not turn a 1% change into a huge z; with {@code threshold = 5} no value below
 *       {@code e^0.25 = 1.28} times the median is ever a spike.</li>
 * </ul>
 *
 * <p>Values that are not finite and positive (a zero or NaN norm) are not added to the window and never start a
 * spike, except {@code +Infinity}, which does (when the minimum history is there). Not thread-safe.
 */
public final class SpikeDetector {

    /** 1 / Phi^-1(3/4): makes the MAD of normal data an estimate of its standard deviation. */
    public static final double MAD_TO_SIGMA = 1.482602218505602;

    /**
     * The detector's constants; see the class documentation for what each means and why the defaults.
     *
     * @param window     {@code W}, earlier values the median and MAD are taken over ({@code >= 3})
     * @param minHistory earlier values needed before a spike can start ({@code 3 <= minHistory <= window})
     * @param threshold  robust z above which a value starts a spike ({@code > 0})
     * @param release    robust z at or below which a spike in progress ends ({@code 0 <= release <= threshold})
     * @param minScale   floor on the robust standard deviation of the log values ({@code > 0})
     */
    public record Config(int window, int minHistory, double threshold, double release, double minScale) {

        /** Window 100, minimum history 20, threshold 5, release 3, scale floor 0.05. */
        public static final Config DEFAULT = new Config(100, 20, 5.0, 3.0, 0.05);

        /** Validates the constants. */
        public Config {
            if (window < 3) {
                throw new IllegalArgumentException("spike window must be at least 3 values (a median and a MAD need them), got "
                        + window);
            }
            if (minHistory < 3 || minHistory > window) {
                throw new IllegalArgumentException("spike minHistory must be between 3 and the window (" + window + "), got "
                        + minHistory);
            }
            if (!(threshold > 0) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("spike threshold (robust z) must be a positive number, got " + threshold);
            }
            if (!(release >= 0 && release <= threshold)) {
                throw new IllegalArgumentException("spike release (robust z) must be in [0, threshold = " + threshold
                        + "] so that a spike can end, got " + release);
            }
            if (!(minScale > 0) || Double.isInfinite(minScale)) {
                throw new IllegalArgumentException("spike minScale (log units) must be a positive number, got " + minScale);
            }
        }

        /** @return a new detector with these constants */
        public SpikeDetector newDetector() { return new SpikeDetector(this); }
    }

    /**
     * The outcome of adding one value.
     *
     * @param value    the value added
     * @param median   {@code e^m}, the median of the earlier values in the window (NaN when empty)
     * @param scale    {@code s}, the robust standard deviation of the earlier log values (NaN when empty)
     * @param z        robust z-score of {@code ln value} (NaN before the minimum history or for a NaN value)
     * @param spike    whether this value starts a spike
     * @param inSpike  whether a spike is in progress after this value (true for the value that starts it)
     */
    public record Decision(double value, double median, double scale, double z, boolean spike, boolean inSpike) {
    }

    private final Config config;
    private final ArrayDeque<Double> logs = new ArrayDeque<>();
    private boolean inSpike;
    private int spikes;

    /** @param config the constants */
    public SpikeDetector(Config config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    /** A detector with {@link Config#DEFAULT}. */
    public SpikeDetector() {
        this(Config.DEFAULT);
    }

    /**
     * Decides on {@code x} against the earlier values, then adds it to the window.
     *
     * @param x the new value
     * @return the decision
     */
    public Decision add(double x) {
        double l = Math.log(x);
        double median = Double.NaN;
        double scale = Double.NaN;
        double z = Double.NaN;
        if (!logs.isEmpty()) {
            double[] a = logs.stream().mapToDouble(Double::doubleValue).toArray();
            double m = median(a);
            for (int i = 0; i < a.length; i++) {
                a[i] = Math.abs(a[i] - m);
            }
            median = Math.exp(m);
            scale = Math.max(MAD_TO_SIGMA * median(a), config.minScale());
            if (logs.size() >= config.minHistory() && !Double.isNaN(l)) {
                z = (l - m) / scale;
            }
        }
        boolean spike = false;
        if (!Double.isNaN(z)) {
            if (!inSpike && z > config.threshold()) {
                spike = true;
                inSpike = true;
                spikes++;
            } else if (inSpike && z <= config.release()) {
                inSpike = false;
            }
        }
        if (Double.isFinite(l)) {
            logs.addLast(l);
            while (logs.size() > config.window()) {
                logs.removeFirst();
            }
        }
        return new Decision(x, median, scale, z, spike, inSpike);
    }

    /** @return the spikes started so far */
    public int spikeCount() { return spikes; }

    /** @return how many values are in the window */
    public int size() { return logs.size(); }

    /** @return the constants */
    public Config config() { return config; }

    /** Median of {@code a} (sorted in place); {@code a} is not empty. */
    private static double median(double[] a) {
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
    }
}
