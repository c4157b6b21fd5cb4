package io.github.dl4jssl.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Collects the iteration scores of a {@link TrainingRun} and gives each epoch's mean. It sits behind the
 * {@link io.github.dl4jssl.listeners.NanGuard}, so it sees finite scores only; a checkpoint saves and a resume
 * restores the unfinished epoch's sum and count.
 */
final class LossRecorder extends BaseTrainingListener {
    double sum;
    int count;

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        sum += model.score();
        count++;
    }

    /** The mean of the epoch's scores (NaN if none), and a fresh start for the next epoch. */
    double epochMean() {
        double m = count == 0 ? Double.NaN : sum / count;
        sum = 0;
        count = 0;
        return m;
    }
}
