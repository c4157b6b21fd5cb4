package io.github.dl4jssl.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;

/**
 * Stops a run whose loss explodes while staying finite (a learning rate far too high makes the weights, and
 * with them the regularisation term of the score, grow by orders of magnitude every step), the case
 * {@link NanGuard} does not see. The loss of the run's first step is the reference; a step whose loss
 * {@code |L|} exceeds {@code factor * max(|L_first|, 1)} throws {@link LossDivergedException}. The floor of 1
 * keeps bounded losses that start near 0 (SimSiam's negative cosine, BYOL's {@code 2 - 2 cos}) from being
 * stopped by ordinary progress; the self-supervised losses of this project are bounded far below 1000
 * (NT-Xent/InfoNCE by {@code 2 / T + log(2N)}), so the default factor {@value #DEFAULT_FACTOR} only fires when
 * training has left that range.
 *
 * <p>It checks at {@code onGradientCalculation}, before the updater and the parameter step (see
 * {@link NanGuard}): the model keeps the parameters of the last good step, and a checkpoint writer that
 * runs at {@code iterationDone} never saves a diverged state. Non-finite losses are left to {@link NanGuard};
 * put this guard before it in the listener list. For a resumed run, pass the reference of the original run.
 */
public final class DivergenceGuard extends BaseTrainingListener {
    /** Default factor: three orders of magnitude over the first loss. */
    public static final double DEFAULT_FACTOR = 1e3;

    private final double factor;
    private Double firstLoss;

    /**
     * @param factor    how many times the first loss (at least 1) a step's loss may reach, &gt; 1
     * @param firstLoss the first step's loss of the run being resumed, or null for a new run
     */
    public DivergenceGuard(double factor, Double firstLoss) {
        if (!(factor > 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("the divergence factor must be a finite number above 1, got " + factor);
        }
        if (firstLoss != null && !Double.isFinite(firstLoss)) {
            throw new IllegalArgumentException("the first loss must be finite, got " + firstLoss);
        }
        this.factor = factor;
        this.firstLoss = firstLoss;
    }

    /** The first finite loss of the run (the reference), or null before the first step. */
    public Double firstLoss() { return firstLoss; }

    /** The largest loss magnitude a step may have, or NaN before the first step. */
    public double limit() { return firstLoss == null ? Double.NaN : factor * Math.max(Math.abs(firstLoss), 1.0); }

    @Override
    public void onGradientCalculation(Model model) {
        double score = model.score();
        if (!Double.isFinite(score)) {
            return;
        }
        if (firstLoss == null) {
            firstLoss = score;
            return;
        }
        if (Math.abs(score) > limit()) {
            throw new LossDivergedException(BaseOptimizer.getIterationCount(model), BaseOptimizer.getEpochCount(model),
                    score, firstLoss, factor);
        }
    }
}
