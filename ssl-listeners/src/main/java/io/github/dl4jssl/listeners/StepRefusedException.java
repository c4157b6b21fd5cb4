package io.github.dl4jssl.listeners;

/**
 * Thrown by a guard ({@link NanGuard}, {@link DivergenceGuard}) that stopped training before a step's update: the
 * model holds the parameters of the previous step, so a run can resume from its last checkpoint. The subclass says
 * why (a loss that is not finite, a loss that diverged).
 */
public abstract class StepRefusedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int iteration;
    private final int epoch;
    private final double loss;

    /**
     * @param message   what happened, and that the parameters are those after {@code iteration - 1}
     * @param iteration DL4J's 0-based iteration count of the refused step
     * @param epoch     DL4J's 0-based epoch count
     * @param loss      the step's loss
     */
    StepRefusedException(String message, int iteration, int epoch, double loss) {
        super(message);
        this.iteration = iteration;
        this.epoch = epoch;
        this.loss = loss;
    }

    /** DL4J's 0-based iteration count of the refused step. */
    public int iteration() { return iteration; }

    public int epoch() { return epoch; }

    /** The refused step's loss. */
    public double loss() { return loss; }
}
