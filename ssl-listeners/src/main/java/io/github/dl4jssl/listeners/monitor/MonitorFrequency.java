package io.github.dl4jssl.listeners.monitor;

import java.util.Objects;
import java.util.function.ToIntFunction;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * When a monitor measures: every {@code n} iterations or every {@code n} epochs.
 *
 * <p>Iterations are DL4J's iteration count (0 for the first step; measured when
 * {@code iteration % n == 0}). Epochs are measured in {@code onEpochEnd} when
 * {@code (epoch + 1) % n == 0}, where {@code epoch} is the 0-based index of the epoch that just
 * ended (DL4J calls {@code onEpochEnd} before incrementing its epoch count).
 *
 * @param n    period, {@code >= 1}
 * @param unit iterations or epochs
 */
public record MonitorFrequency(int n, Unit unit) {

    /** The unit of the period. */
    public enum Unit {
        /** Optimizer steps. */
        ITERATION,
        /** Passes over the training iterator. */
        EPOCH
    }

    /** Validates. */
    public MonitorFrequency {
        Objects.requireNonNull(unit, "unit");
        if (n < 1) {
            throw new IllegalArgumentException("Frequency must be >= 1, got " + n);
        }
    }

    /**
     * @param n period in iterations
     * @return the frequency
     */
    public static MonitorFrequency everyIterations(int n) { return new MonitorFrequency(n, Unit.ITERATION); }

    /**
     * @param n period in epochs
     * @return the frequency
     */
    public static MonitorFrequency everyEpochs(int n) { return new MonitorFrequency(n, Unit.EPOCH); }

    /**
     * @param iteration DL4J iteration count
     * @return whether an iteration-based monitor measures now
     */
    public boolean dueAtIteration(long iteration) { return unit == Unit.ITERATION && iteration % n == 0; }

    /**
     * @param epoch 0-based index of the epoch that just ended
     * @return whether an epoch-based monitor measures now
     */
    public boolean dueAtEpochEnd(long epoch) { return unit == Unit.EPOCH && (epoch + 1) % n == 0; }

    /**
     * @param model a ComputationGraph or MultiLayerNetwork
     * @return its iteration count, or -1
     */
    static int iterationCount(Model model) {
        return count(model, ComputationGraphConfiguration::getIterationCount, MultiLayerConfiguration::getIterationCount);
    }

    /**
     * @param model a ComputationGraph or MultiLayerNetwork
     * @return its epoch count, or -1
     */
    static int epochCount(Model model) {
        return count(model, ComputationGraphConfiguration::getEpochCount, MultiLayerConfiguration::getEpochCount);
    }

    /** One counter of the model's configuration, read from either kind of network; -1 for another model. */
    private static int count(Model model, ToIntFunction<ComputationGraphConfiguration> graph,
                             ToIntFunction<MultiLayerConfiguration> network) {
        if (model instanceof ComputationGraph g) {
            return graph.applyAsInt(g.getConfiguration());
        }
        if (model instanceof MultiLayerNetwork m) {
            return network.applyAsInt(m.getLayerWiseConfigurations());
        }
        return -1;
    }
}
