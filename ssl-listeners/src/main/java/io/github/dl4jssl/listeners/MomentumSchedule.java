package io.github.dl4jssl.listeners;

/**
 * Momentum {@code m} of an exponential-moving-average (EMA) target network as a function of the
 * training iteration: {@code target = m * target + (1 - m) * online}.
 *
 * <p>MoCo (He et al. 2020) uses a constant {@code m = 0.999}; BYOL (Grill et al. 2020) and MoCo v3
 * increase it from {@code m0} to 1 with a cosine: {@code m(k) = 1 - (1 - m0) * (cos(pi k / K) + 1) / 2}.
 * Values must lie in [0, 1]; {@link EmaTargetListener} rejects anything else with a clear message.
 */
@FunctionalInterface
public interface MomentumSchedule extends java.io.Serializable {

    /**
     * @param iteration the 0-based training iteration (DL4J's iteration count)
     * @return the momentum in [0, 1] for that iteration
     */
    double momentum(long iteration);

    /**
     * A constant momentum (MoCo: 0.999).
     *
     * @param m momentum in [0, 1]
     * @return the schedule
     * @throws IllegalArgumentException if m is outside [0, 1] or NaN
     */
    static MomentumSchedule constant(double m) {
        checkMomentum(m, "constant momentum");
        return new MomentumSchedule() {
            @Override
            public double momentum(long iteration) { return m; }

            @Override
            public String toString() { return "constant(" + m + ")"; }
        };
    }

    /**
     * BYOL / MoCo v3 cosine increase: {@code m(k) = 1 - (1 - m0) * (cos(pi k / K) + 1) / 2}, so m0 at
     * k = 0, (1 + m0) / 2 at K / 2 and exactly 1 at and after K (negative k is treated as 0).
     *
     * @param m0              base momentum in [0, 1] (BYOL: 0.996)
     * @param totalIterations K, the total number of training iterations, &gt; 0
     * @return the schedule
     * @throws IllegalArgumentException if m0 is outside [0, 1] or K &lt;= 0
     */
    static MomentumSchedule cosine(double m0, long totalIterations) {
        checkMomentum(m0, "cosine base momentum m0");
        if (totalIterations <= 0) {
            throw new IllegalArgumentException("cosine momentum schedule: totalIterations must be > 0, got " + totalIterations);
        }
        return new MomentumSchedule() {
            @Override
            public double momentum(long iteration) {
                if (iteration >= totalIterations) {
                    return 1.0;
                }
                long k = Math.max(0, iteration);
                return 1.0 - (1.0 - m0) * (Math.cos(Math.PI * k / (double) totalIterations) + 1.0) / 2.0;
            }

            @Override
            public String toString() {
                return "cosine(m0=" + m0 + ", K=" + totalIterations + ")";
            }
        };
    }

    /**
     * Checks that a momentum lies in [0, 1]: the one rule for every momentum of the project (the methods' builders,
     * the schedules, {@code train --momentum}).
     *
     * @param m    the value
     * @param what what it is, for the message
     * @throws IllegalArgumentException otherwise
     */
    public static void checkMomentum(double m, String what) {
        if (!(m >= 0.0 && m <= 1.0)) {
            throw new IllegalArgumentException(what + " must be in [0, 1] (target = m * target + (1 - m) * online), got " + m);
        }
    }
}
