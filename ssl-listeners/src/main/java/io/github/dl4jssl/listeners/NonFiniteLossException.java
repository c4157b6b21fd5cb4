package io.github.dl4jssl.listeners;

/**
 * Thrown by {@link NanGuard} (policy {@link NanGuard.Policy#STOP}) when the loss of a training step is NaN or
 * infinite; the step's update was not applied, so the model holds the parameters of the previous step.
 */
public final class NonFiniteLossException extends StepRefusedException {
    private static final long serialVersionUID = 1L;

    /**
     * @param iteration DL4J's 0-based iteration count of the failed step
     * @param epoch     DL4J's 0-based epoch count
     * @param loss      the non-finite loss
     */
    public NonFiniteLossException(int iteration, int epoch, double loss) {
        super("the loss is " + loss + " at iteration " + iteration + " (epoch " + epoch + "); training stopped"
                + " before this step's update, so the parameters are those after iteration " + (iteration - 1),
                iteration, epoch, loss);
    }
}
