package io.github.dl4jssl.samples.bench;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/** Wraps a training listener and adds up the wall time spent in its callbacks (for benchmarks). */
final class TimedListener implements TrainingListener {

    private final TrainingListener delegate;
    private long nanos;

    TimedListener(TrainingListener delegate) {
        this.delegate = delegate;
    }

    String name() {
        return delegate.getClass().getSimpleName();
    }

    long nanos() {
        return nanos;
    }

    void reset() {
        nanos = 0;
    }

    private void timed(Runnable r) {
        long t = System.nanoTime();
        r.run();
        nanos += System.nanoTime() - t;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        timed(() -> delegate.iterationDone(model, iteration, epoch));
    }

    @Override
    public void onEpochStart(Model model) {
        timed(() -> delegate.onEpochStart(model));
    }

    @Override
    public void onEpochEnd(Model model) {
        timed(() -> delegate.onEpochEnd(model));
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        timed(() -> delegate.onForwardPass(model, activations));
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        timed(() -> delegate.onForwardPass(model, activations));
    }

    @Override
    public void onGradientCalculation(Model model) {
        timed(() -> delegate.onGradientCalculation(model));
    }

    @Override
    public void onBackwardPass(Model model) {
        timed(() -> delegate.onBackwardPass(model));
    }
}
