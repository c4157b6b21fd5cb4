package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.MomentumSchedule;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;
import java.util.function.LongFunction;

/**
 * The momentum settings of the builders of methods whose target branch is an exponential moving average of
 * the online one (BYOL, MoCo v1/v2/v3, SimCLR-EMA), one API for all: {@link #momentum(double)}, the momentum of the
 * first iteration (BYOL's tau_base, MoCo's m, MoCo v3's m0); {@link #cosineMomentum(boolean)}, whether it rises to 1
 * with a cosine; or any schedule instead ({@link #momentum(MomentumSchedule)}, {@link #momentumSchedule}).
 *
 * @param <B> the concrete builder
 */
public abstract class EmaMethodBuilder<B extends EmaMethodBuilder<B>> extends MethodBuilder<B> {
    private double startMomentum;
    private boolean cosineMomentum;
    private LongFunction<MomentumSchedule> schedule;

    /** Starts with the method's default optimizer, weight decay, start momentum and schedule shape. */
    EmaMethodBuilder(IUpdater updater, double weightDecay, double startMomentum, boolean cosineMomentum) {
        super(updater, weightDecay);
        this.startMomentum = startMomentum;
        this.cosineMomentum = cosineMomentum;
    }

    /** Whether the momentum rises from the start momentum to 1 with a cosine or stays constant. */
    public B cosineMomentum(boolean cosineMomentum) {
        this.cosineMomentum = cosineMomentum;
        return self();
    }

    /**
     * Any momentum schedule, given the planned number of iterations; overrides the start momentum and
     * {@link #cosineMomentum} for the listener.
     */
    public B momentumSchedule(LongFunction<MomentumSchedule> schedule) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        return self();
    }

    /**
     * The momentum m in [0, 1] of the first iteration (target := m target + (1 - m) online); the constant momentum
     * unless {@link #cosineMomentum(boolean)} is on.
     */
    public B momentum(double momentum) {
        MomentumSchedule.checkMomentum(momentum, methodName() + " momentum");
        this.startMomentum = momentum;
        return self();
    }

    /** One momentum schedule whatever the run length, indexed by DL4J's iteration count (saved with the model). */
    public B momentum(MomentumSchedule schedule) {
        Objects.requireNonNull(schedule, "momentum schedule");
        return momentumSchedule(total -> schedule);
    }

    /**
     * The EMA target of {@code scope} with the momentum settings so far: the schedule set by
     * {@link #momentumSchedule}, else a cosine from the start momentum to 1, or the constant start momentum.
     */
    EmaTarget emaTarget(EmaScope scope) {
        double m0 = startMomentum;
        return new EmaTarget(scope, startMomentum,
                schedule != null ? schedule : cosineMomentum ? total -> MomentumSchedule.cosine(m0, total) : total -> MomentumSchedule.constant(m0));
    }
}
