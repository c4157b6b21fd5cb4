package io.github.dl4jssl.train;

import io.github.dl4jssl.listeners.NanGuard;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Stops a {@code --nan-policy skip} run once it has skipped more steps than allowed: a run whose steps are mostly
 * NaN trains on little data and would otherwise "succeed" at chance accuracy. It follows the {@link NanGuard} in
 * the listener list; at {@code iterationDone} the guard has already undone a skipped step, so the model holds the
 * parameters of the last good step and the checkpoint writer after this listener never sees the failed one.
 */
final class SkipLimit extends BaseTrainingListener {
    private final NanGuard guard;
    private final int before;
    private final int allowed;

    /**
     * @param before  steps skipped before a resume
     * @param allowed the most skipped steps the run may have
     */
    SkipLimit(NanGuard guard, int before, int allowed) {
        this.guard = guard;
        this.before = before;
        this.allowed = allowed;
    }

    /** Skipped steps of the whole run so far, those before a resume included. */
    int skipped() {
        return before + guard.skippedSteps();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (skipped() > allowed) {
            throw new Exceeded(skipped() + " training steps had a NaN or infinite loss and were skipped"
                    + " (the last at iteration " + guard.lastSkippedIteration() + "), more than the " + allowed
                    + " allowed (--max-skipped-steps): the run is not learning");
        }
    }

    /** The run skipped more steps than allowed. */
    static final class Exceeded extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Exceeded(String message) {
            super(message);
        }
    }
}
