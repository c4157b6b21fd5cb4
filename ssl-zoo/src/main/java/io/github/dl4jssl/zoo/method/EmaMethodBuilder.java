package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.MomentumSchedule;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;
import java.util.function.LongFunction;

/**
 * The momentum settings of the builders of methods whose target branch is an exponential moving average of
 * the online one (BYOL, MoCo v3, SimCLR-EMA): a start momentum, whether it rises to 1 with a cosine, or any
 * schedule instead. The concrete builder names the start-momentum setter after its paper ({@code baseMomentum}
 * or {@code momentum}) and sets it through {@link #startMomentum(double, String)}.
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

    /** Sets the momentum of the first iteration after checking it is in [0, 1] ({@code what} names it in errors). */
    B startMomentum(double momentum, String what) {
        this.startMomentum = TwoBranchSupport.checkMomentum(momentum, what);
        return self();
    }

    /**
     * The EMA target of {@code scope} with the momentum settings so far: the schedule set by
     * {@link #momentumSchedule}, else a cosine from the start momentum to 1, or the constant start momentum.
     */
    EmaTarget emaTarget(EmaScope scope) {
        return new EmaTarget(scope, startMomentum,
                schedule != null ? schedule : TwoBranchSupport.schedule(startMomentum, cosineMomentum));
    }
}
