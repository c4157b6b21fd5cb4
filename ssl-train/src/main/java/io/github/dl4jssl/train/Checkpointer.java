package io.github.dl4jssl.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Writes a checkpoint of a {@code train} run every {@code every} iterations (after the update, the EMA
 * step and the key-queue update of that iteration, so it must be the last listener) and, through
 * {@link #epochDone}, at the end of every epoch but the last, after the epoch's evaluation. A step that would
 * end an epoch is left to the epoch-end checkpoint, so that a checkpoint's iterator position always lies
 * inside an epoch or at its start. Also keeps the run's training clock and the iterator position, which
 * DL4J's prefetching hides from the iterator itself.
 */
final class Checkpointer extends BaseTrainingListener {
    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

    private final Checkpoints store;
    private final int every;
    private final int batchesPerEpoch;
    private final RunReport report;
    private final LossRecorder losses;
    private final Consumer<ResumeState> extras;
    private int batchInEpoch;
    private double seconds;
    private long epochStart = -1;
    private Path last;

    /**
     * @param extras  adds the rest of the run's state (monitors, divergence reference) to each checkpoint's state
     * @param resumed the state the run resumed from, or null for a new run
     */
    Checkpointer(Checkpoints store, int every, int batchesPerEpoch, RunReport report,
                 LossRecorder losses, Consumer<ResumeState> extras, ResumeState resumed) {
        this.store = store;
        this.every = every;
        this.batchesPerEpoch = batchesPerEpoch;
        this.report = report;
        this.losses = losses;
        this.extras = extras;
        if (resumed != null) {
            this.batchInEpoch = resumed.batchInEpoch;
            this.seconds = resumed.trainSeconds;
        }
    }

    /** The newest checkpoint this run wrote, or null. */
    Path last() {
        return last;
    }

    /** Seconds spent in training so far, including those before a resume. */
    double trainSeconds() {
        return seconds + (epochStart < 0 ? 0 : (System.nanoTime() - epochStart) / 1e9);
    }

    @Override
    public void onEpochStart(Model model) {
        epochStart = System.nanoTime();
    }

    @Override
    public void onEpochEnd(Model model) {
        seconds = trainSeconds();
        epochStart = -1;
        batchInEpoch = 0;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        batchInEpoch++;
        if ((iteration + 1) % every != 0 || batchInEpoch >= batchesPerEpoch) {
            return;
        }
        ComputationGraph graph = (ComputationGraph) model;
        // DL4J counts this iteration only after the listeners: save the count of the next step
        graph.getConfiguration().setIterationCount(iteration + 1);
        try {
            write(graph, iteration + 1, epoch, batchInEpoch);
        } finally {
            graph.getConfiguration().setIterationCount(iteration);
        }
    }

    /** The checkpoint at the end of epoch {@code epoch} (1-based) of {@code epochs}; none after the last. */
    void epochDone(ComputationGraph graph, int epoch, int epochs) {
        if (epoch < epochs) {
            write(graph, graph.getIterationCount(), graph.getEpochCount(), 0);
        }
    }

    private void write(ComputationGraph graph, int iteration, int epoch, int batch) {
        ResumeState s = new ResumeState();
        s.iteration = iteration;
        s.epoch = epoch;
        s.batchInEpoch = batch;
        Random rng = Nd4j.getRandom();
        s.nd4jRootState = rng.rootState();
        s.nd4jNodeState = rng.nodeState();
        s.trainSeconds = trainSeconds();
        s.epochLossSum = losses.sum;
        s.epochLossCount = losses.count;
        s.report = report;
        extras.accept(s);
        try {
            last = store.write(graph, s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint of iteration " + iteration + " to "
                    + store.directory() + ": " + e.getMessage() + "; free disk space or choose another --out", e);
        }
        log.info("checkpoint: iteration {}, epoch {}, batch {} -> {}", iteration, epoch, batch, last);
    }
}
