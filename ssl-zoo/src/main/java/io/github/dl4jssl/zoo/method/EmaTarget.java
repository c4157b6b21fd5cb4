package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.MomentumSchedule;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.function.LongFunction;

/**
 * The exponential-moving-average target of a method (BYOL, MoCo v3, SimCLR-EMA): which online layers have a
 * target copy, the momentum of the first iteration and the momentum schedule, as set by an
 * {@link EmaMethodBuilder}; makes the listener that updates the target and copies online into target.
 *
 * @param scope         the online layers with a target copy
 * @param startMomentum the momentum of the first iteration
 * @param schedule      the momentum schedule for a planned number of iterations
 */
record EmaTarget(EmaScope scope, double startMomentum, LongFunction<MomentumSchedule> schedule) {

    /** The momentum schedule for a run of {@code totalIterations} iterations. */
    MomentumSchedule schedule(long totalIterations) {
        return schedule.apply(totalIterations);
    }

    /** A new EMA listener for a planned run length. */
    EmaTargetListener listener(long totalIterations) {
        return EmaTargetListener.builder().scope(scope).momentum(schedule(totalIterations)).build();
    }

    /** Target := online, for the layers of the scope. */
    void initialize(ComputationGraph graph) {
        EmaTargetListener.builder().scope(scope).build().initTargetFromOnline(graph);
    }
}
