package io.github.dl4jssl.listeners;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards a training run against a NaN or infinite loss, the usual first sign of divergence, and wraps the
 * run's other listeners so that a bad step never reaches them.
 *
 * <p><b>Where it acts.</b> In DL4J's {@code StochasticGradientDescent.optimize} one step is:
 * {@code computeGradientAndScore} (forward pass, {@code onForwardPass}, backward pass, {@code onBackwardPass}),
 * then {@code onGradientCalculation}, then the updater (which changes its state, e.g. Adam's moments) and the
 * parameter step, then {@code iterationDone}. The score is known and nothing has been changed yet at
 * {@code onGradientCalculation}, which is where this guard checks it:
 * <ul>
 *   <li>{@link Policy#STOP}: throws {@link NonFiniteLossException} naming the iteration; the update is never
 *       applied, so the model keeps the parameters and updater state of the last good step (and a checkpoint
 *       written by a wrapped listener at a good step stays the latest).</li>
 *   <li>{@link Policy#SKIP}: copies the parameters (all of them: weights, BatchNorm statistics, a target
 *       branch, a key queue) and the updater state, lets DL4J apply the bad update, and in
 *       {@code iterationDone} puts the copies back. The step then counts as an iteration, but the model is
 *       exactly as before it; the wrapped listeners get neither its {@code onGradientCalculation} nor its
 *       {@code iterationDone} (no EMA step, no enqueued keys, no NaN in the loss records or checkpoints).</li>
 * </ul>
 * The wrapped listeners receive every other event unchanged. Only the SGD-style optimizers (DL4J's default,
 * {@code OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT}) have this order of events.
 *
 * <pre>{@code
 * graph.setListeners(new NanGuard(NanGuard.Policy.SKIP, method.trainingListeners(iterations)));
 * }</pre>
 */
public final class NanGuard extends BaseTrainingListener {
    private static final Logger log = LoggerFactory.getLogger(NanGuard.class);

    /** What to do about a step with a non-finite loss. */
    public enum Policy {
        /** Stop training with a {@link NonFiniteLossException} before the step's update is applied. */
        STOP,
        /** Undo the step (parameters and updater state) and continue with the next batch. */
        SKIP
    }

    private final Policy policy;
    private final List<TrainingListener> guarded;
    private INDArray savedParams;
    private INDArray savedUpdaterState;
    private boolean undoPending;
    private int skippedSteps;
    private int lastSkippedIteration = -1;

    /**
     * @param policy   what to do about a non-finite loss
     * @param guarded  the run's other listeners, called in this order
     */
    public NanGuard(Policy policy, List<? extends TrainingListener> guarded) {
        this.policy = Objects.requireNonNull(policy, "policy must not be null: STOP or SKIP");
        this.guarded = List.copyOf(guarded);
    }

    public Policy policy() { return policy; }

    /** The wrapped listeners. */
    public List<TrainingListener> guarded() { return guarded; }

    /** Number of steps undone so far (policy SKIP). */
    public int skippedSteps() { return skippedSteps; }

    /** DL4J's iteration count of the last undone step, -1 if none. */
    public int lastSkippedIteration() { return lastSkippedIteration; }

    @Override
    public void onEpochStart(Model model) {
        guarded.forEach(l -> l.onEpochStart(model));
    }

    @Override
    public void onEpochEnd(Model model) {
        guarded.forEach(l -> l.onEpochEnd(model));
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        guarded.forEach(l -> l.onForwardPass(model, activations));
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        guarded.forEach(l -> l.onForwardPass(model, activations));
    }

    @Override
    public void onBackwardPass(Model model) {
        guarded.forEach(l -> l.onBackwardPass(model));
    }

    @Override
    public void onGradientCalculation(Model model) {
        double score = model.score();
        if (Double.isFinite(score)) {
            guarded.forEach(l -> l.onGradientCalculation(model));
            return;
        }
        int iteration = BaseOptimizer.getIterationCount(model);
        int epoch = BaseOptimizer.getEpochCount(model);
        if (policy == Policy.STOP) {
            throw new NonFiniteLossException(iteration, epoch, score);
        }
        savedParams = model.params().dup();
        INDArray state = updaterState(model);
        savedUpdaterState = state == null ? null : state.dup();
        undoPending = true;
        skippedSteps++;
        lastSkippedIteration = iteration;
        log.warn("loss is {} at iteration {} (epoch {}): step skipped, parameters and updater state restored "
                + "({} steps skipped so far)", score, iteration, epoch, skippedSteps);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (undoPending) {
            model.params().assign(savedParams);
            INDArray state = updaterState(model);
            if (state != null && savedUpdaterState != null) {
                state.assign(savedUpdaterState);
            }
            savedParams = null;
            savedUpdaterState = null;
            undoPending = false;
            return;
        }
        guarded.forEach(l -> l.iterationDone(model, iteration, epoch));
    }

    /** The updater's state view (e.g. Adam's moments), or null for a stateless updater. */
    private static INDArray updaterState(Model model) {
        if (model instanceof ComputationGraph) {
            return ((ComputationGraph) model).getUpdater().getStateViewArray();
        }
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).getUpdater().getStateViewArray();
        }
        throw new IllegalArgumentException("NanGuard supports ComputationGraph and MultiLayerNetwork, got "
                + model.getClass().getName());
    }
}
