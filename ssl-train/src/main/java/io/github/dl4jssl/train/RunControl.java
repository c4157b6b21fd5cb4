package io.github.dl4jssl.train;

import io.github.dl4jssl.listeners.DivergenceGuard;
import io.github.dl4jssl.listeners.LossDivergedException;
import io.github.dl4jssl.listeners.NanGuard;
import io.github.dl4jssl.listeners.NonFiniteLossException;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fault tolerance of a {@link TrainingRun}: checkpoints every N iterations ({@link Checkpointer},
 * {@link Checkpoints}), the state a resumed run continues from, and the {@link NanGuard} policy for a
 * non-finite loss, the {@link DivergenceGuard} and the {@link SkipLimit}.
 */
final class RunControl {
    private final RunSpec spec;
    private final ResumeState resumed;
    private final Path resumedFrom;
    private Checkpointer checkpointer;
    private DivergenceGuard divergence;
    private SkipLimit skipLimit;

    /**
     * @param resumed     the checkpoint's state, or null for a new run
     * @param resumedFrom the checkpoint's directory, or null for a new run
     */
    RunControl(RunSpec spec, ResumeState resumed, Path resumedFrom) {
        this.spec = spec;
        this.resumed = resumed;
        this.resumedFrom = resumedFrom;
    }

    /** True when this run continues from a checkpoint. */
    boolean isResuming() {
        return resumed != null;
    }

    /** A new graph, or the one of the checkpoint the run resumes from. */
    ComputationGraph initGraph(SslMethod method) throws IOException {
        if (!isResuming()) {
            return method.init();
        }
        Path model = resumedFrom.resolve(Checkpoints.MODEL);
        try {
            return ModelSerializer.restoreComputationGraph(model.toFile(), true);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot load the checkpoint " + model + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); move its directory away to resume from an older checkpoint", e);
        }
    }

    /** The report of the checkpoint (baseline and completed epochs), or a new one. */
    RunReport report() {
        return isResuming() ? resumed.report : new RunReport();
    }

    /** Seconds of training before the resume (0 for a new run). */
    double trainSecondsBefore() {
        return isResuming() ? resumed.trainSeconds : 0;
    }

    /**
     * Puts the iterator, the loss records and ND4J's random generator where the checkpoint left them, plants
     * the test fault if asked, and returns the first epoch (1-based) the training loop runs.
     */
    int position(TwoViewIterator views, LossRecorder losses) {
        if (spec.plantNanAt() != null) {
            plantNan(views, spec.plantNanAt());
        }
        if (!isResuming()) {
            return 1;
        }
        views.setPosition(resumed.epoch, resumed.batchInEpoch);
        losses.sum = resumed.epochLossSum;
        losses.count = resumed.epochLossCount;
        Nd4j.getRandom().setStates(resumed.nd4jRootState, resumed.nd4jNodeState);
        return resumed.epoch + 1;
    }

    /**
     * The divergence guard, then the run's listeners behind the NaN guard, then the skip limit and the checkpoint
     * writer: a skipped step is hidden from the wrapped listeners, but it consumed a batch and the guard has already
     * undone it when the writer sees it; a diverged step stops before any of them.
     *
     * @param totalSteps the run's steps (for the default of the maximum of skipped steps)
     */
    List<TrainingListener> guard(List<TrainingListener> listeners, Path runDir, int batchesPerEpoch, long totalSteps,
                                 RunReport report, LossRecorder losses, RunMonitors monitors) throws IOException {
        divergence = new DivergenceGuard(DivergenceGuard.DEFAULT_FACTOR, isResuming() ? resumed.firstLoss : null);
        NanGuard nan = new NanGuard(SpecChecks.nanPolicy(spec.nanPolicy()), listeners);
        Integer maxSkipped = spec.maxSkippedSteps();
        skipLimit = new SkipLimit(nan, report.skippedSteps, maxSkipped != null ? maxSkipped : (int) Math.max(1, totalSteps / 10));
        List<TrainingListener> all = new ArrayList<>(List.of(divergence, nan, skipLimit));
        if (spec.checkpointEvery() != null) {
            checkpointer = new Checkpointer(new Checkpoints(runDir, spec.keepCheckpoints()), spec.checkpointEvery(),
                    batchesPerEpoch, report, losses, state -> {
                        report.skippedSteps = skipLimit.skipped();
                        state.firstLoss = divergence.firstLoss();
                        try {
                            state.monitors = monitors.state();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }, resumed);
            all.add(checkpointer);
        }
        return all;
    }

    /** Steps skipped for a non-finite loss in the whole run (after {@link #guard}). */
    int skippedSteps() {
        return skipLimit.skipped();
    }

    /** Puts the monitors where the checkpoint left them (a resumed run); nothing for a new run. */
    void restore(RunMonitors monitors) throws IOException {
        if (!isResuming()) {
            return;
        }
        if (resumed.monitors == null) {
            org.slf4j.LoggerFactory.getLogger(RunControl.class).warn("the checkpoint {} holds no monitor measurements"
                    + " (written by an older version): the monitors' CSVs and plots cover the resumed part only", resumedFrom);
            return;
        }
        monitors.restore(resumed.monitors);
    }

    /**
     * {@code graph.fit(views)}; a non-finite or diverged loss under policy stop, or too many skipped steps, ends the
     * run with what to do next.
     */
    void fit(ComputationGraph graph, TwoViewIterator views) {
        try {
            graph.fit(views);
        } catch (NonFiniteLossException | LossDivergedException | SkipLimit.Exceeded e) {
            Path last = checkpointer != null && checkpointer.last() != null ? checkpointer.last() : resumedFrom;
            throw new IllegalStateException(e.getMessage() + "; " + (last == null
                    ? "no checkpoint was written (use --checkpoint-every N to keep one)"
                    : "the last good checkpoint is " + last + (e instanceof NonFiniteLossException
                    ? ": continue with ./dl4j-ssl train --resume " + last.getParent().getParent() + " --nan-policy skip" : ""))
                    + ", or lower the learning rate (--lr)", e);
        }
    }

    /** After epoch {@code epoch}'s evaluation: the epoch-end checkpoint. */
    void epochDone(ComputationGraph graph, int epoch, int epochs) {
        if (checkpointer != null) {
            checkpointer.epochDone(graph, epoch, epochs);
        }
    }

    /** Sets one pixel of the batches trained at {@code iterations} to NaN (a fault for tests). */
    private static void plantNan(TwoViewIterator views, List<Integer> iterations) {
        views.setPreProcessor(ds -> {
            int[] p = views.position(); // after next(): the batch index just taken is p[1] - 1
            if (iterations.contains(p[0] * views.batchesPerEpoch() + p[1] - 1)) {
                ds.getFeatures().putScalar(0, Double.NaN);
            }
        });
    }
}
