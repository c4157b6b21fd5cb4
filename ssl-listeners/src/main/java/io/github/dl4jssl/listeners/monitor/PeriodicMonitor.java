package io.github.dl4jssl.listeners.monitor;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * A monitor that measures a {@link ComputationGraph} now and then during {@code fit}, at the iterations or epoch ends
 * its {@link MonitorFrequency} names ({@link CollapseMonitor}, {@link KnnMonitor}): the DL4J callbacks are here once,
 * the measurement in the subclass.
 */
public abstract class PeriodicMonitor extends BaseTrainingListener {

    private final MonitorFrequency frequency;

    PeriodicMonitor(MonitorFrequency frequency) {
        this.frequency = frequency;
    }

    /** @return when the monitor measures */
    public MonitorFrequency frequency() { return frequency; }

    /** Measures {@code graph} at DL4J's {@code iteration} and {@code epoch} counts. */
    abstract void measureAt(ComputationGraph graph, int iteration, int epoch);

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (frequency.dueAtIteration(iteration) && model instanceof ComputationGraph g) {
            measureAt(g, iteration, epoch);
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        int epoch = MonitorFrequency.epochCount(model);
        if (frequency.dueAtEpochEnd(epoch) && model instanceof ComputationGraph g) {
            measureAt(g, MonitorFrequency.iterationCount(model), epoch);
        }
    }
}
