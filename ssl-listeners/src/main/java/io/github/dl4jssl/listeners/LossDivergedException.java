package io.github.dl4jssl.listeners;

/**
 * Thrown by {@link DivergenceGuard} when a step's loss grew by orders of magnitude over the run's first loss;
 * the step's update was not applied, so the model holds the parameters of the previous step.
 */
public final class LossDivergedException extends StepRefusedException {
    private static final long serialVersionUID = 1L;

    /**
     * @param iteration DL4J's 0-based iteration count of the step
     * @param epoch     DL4J's 0-based epoch count
     * @param loss      the step's loss
     * @param firstLoss the run's first loss
     * @param factor    the factor the loss exceeded
     */
    public LossDivergedException(int iteration, int epoch, double loss, double firstLoss, double factor) {
        super(String.format("training diverged: the loss is %.4g at iteration %d (epoch %d), beyond %.4g = %.0f x the first"
                        + " loss %.4g (or x 1 if that is smaller); training stopped before this step's update, so the parameters"
                        + " are those after iteration %d", loss, iteration, epoch, factor * Math.max(Math.abs(firstLoss), 1.0),
                factor, firstLoss, iteration - 1), iteration, epoch, loss);
    }
}
