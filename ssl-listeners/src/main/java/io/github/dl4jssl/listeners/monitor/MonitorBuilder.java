package io.github.dl4jssl.listeners.monitor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The settings every monitor's Builder has: when it measures ({@link MonitorFrequency}) and where it writes its CSV.
 * Self-typed, so that a monitor's own setters and these chain in any order.
 *
 * @param <B> the concrete builder
 */
public abstract class MonitorBuilder<B extends MonitorBuilder<B>> {
    private MonitorFrequency frequency;
    private Path csv;

    /** @param frequency the monitor's default frequency */
    MonitorBuilder(MonitorFrequency frequency) {
        this.frequency = frequency;
    }

    /** This builder as its concrete type. */
    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }

    /**
     * @param n measure every n epochs
     * @return this
     */
    public B everyEpochs(int n) { return frequency(MonitorFrequency.everyEpochs(n)); }

    /**
     * @param n measure every n iterations
     * @return this
     */
    public B everyIterations(int n) { return frequency(MonitorFrequency.everyIterations(n)); }

    /**
     * @param f when to measure
     * @return this
     */
    public B frequency(MonitorFrequency f) {
        this.frequency = Objects.requireNonNull(f, "frequency");
        return self();
    }

    /**
     * @param path CSV output (appended; header written when new), or null for none
     * @return this
     */
    public B outputCsv(Path path) {
        this.csv = path;
        return self();
    }

    MonitorFrequency frequency() {
        return frequency;
    }

    Path csv() {
        return csv;
    }
}
