package io.github.dl4jssl.listeners;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * A listener for the tests: at each {@code iterationDone}, the step's score (the loss of the iteration just done) and a
 * snapshot of the model taken then, e.g. a copy of its parameters.
 *
 * @param <T> what a snapshot holds
 */
final class StepRecorder<T> extends BaseTrainingListener {
    final List<Double> scores = new ArrayList<>();
    final List<T> snapshots = new ArrayList<>();
    private final Function<Model, T> snapshot;

    /** @param snapshot what to keep of the model after each step (a copy: DL4J reuses its arrays) */
    StepRecorder(Function<Model, T> snapshot) {
        this.snapshot = snapshot;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        scores.add(model.score());
        snapshots.add(snapshot.apply(model));
    }
}
