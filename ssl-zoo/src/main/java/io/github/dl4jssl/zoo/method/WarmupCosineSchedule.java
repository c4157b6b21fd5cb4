package io.github.dl4jssl.zoo.method;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Learning rate with linear warm-up then cosine decay to zero, per iteration, as MoCo v3 trains ViTs (Chen, Xie, He,
 * ICCV 2021, section 5 / appendix; Goyal et al. 2017 for the warm-up; Loshchilov &amp; Hutter 2017 for the cosine):
 * <pre>
 *   lr(i) = base * (i + 1) / W                                   for i &lt; W          (warm-up)
 *   lr(i) = base * 0.5 * (1 + cos(pi * (i - W) / (T - W)))        for W &lt;= i &lt; T
 *   lr(i) = 0                                                    for i &gt;= T
 * </pre>
 * with W warm-up iterations and T total iterations. A DL4J {@link ISchedule} (JSON-serialisable), e.g. for
 * {@code new Adam(schedule)}; DL4J's {@code WeightDecay} regularization scales with the same current rate, as AdamW's
 * decoupled decay does.
 */
public final class WarmupCosineSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    @JsonProperty
    private final double baseValue;
    @JsonProperty
    private final long warmupIterations;
    @JsonProperty
    private final long totalIterations;

    /**
     * @param baseValue        the peak learning rate, reached at the end of the warm-up
     * @param warmupIterations W &gt;= 0
     * @param totalIterations  T &gt; W
     */
    public WarmupCosineSchedule(@JsonProperty("baseValue") double baseValue,
                                @JsonProperty("warmupIterations") long warmupIterations,
                                @JsonProperty("totalIterations") long totalIterations) {
        if (!(baseValue > 0) || Double.isInfinite(baseValue)) {
            throw new IllegalArgumentException("WarmupCosineSchedule base learning rate must be a positive finite number, got " + baseValue);
        }
        if (warmupIterations < 0 || totalIterations <= warmupIterations) {
            throw new IllegalArgumentException("WarmupCosineSchedule needs 0 <= warm-up iterations < total iterations, got "
                    + warmupIterations + " and " + totalIterations);
        }
        this.baseValue = baseValue;
        this.warmupIterations = warmupIterations;
        this.totalIterations = totalIterations;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmupIterations) {
            return baseValue * (iteration + 1) / warmupIterations;
        }
        if (iteration >= totalIterations) {
            return 0.0;
        }
        double progress = (double) (iteration - warmupIterations) / (totalIterations - warmupIterations);
        return baseValue * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public ISchedule clone() {
        return new WarmupCosineSchedule(baseValue, warmupIterations, totalIterations);
    }

    public double getBaseValue() { return baseValue; }

    public long getWarmupIterations() { return warmupIterations; }

    public long getTotalIterations() { return totalIterations; }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupCosineSchedule s && s.baseValue == baseValue
                && s.warmupIterations == warmupIterations && s.totalIterations == totalIterations;
    }

    @Override
    public int hashCode() { return java.util.Objects.hash(baseValue, warmupIterations, totalIterations); }

    @Override
    public String toString() {
        return "WarmupCosineSchedule(base=" + baseValue + ", warmup=" + warmupIterations + ", total=" + totalIterations + ")";
    }
}
