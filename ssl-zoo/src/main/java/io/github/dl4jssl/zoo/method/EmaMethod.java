package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.MomentumSchedule;
import io.github.dl4jssl.listeners.TargetBranch;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;

import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A method whose target (key) branch is an exponential moving average of online layers: BYOL, MoCo v1/v2/v3,
 * SimCLR-EMA. Holds the {@link EmaTarget} its {@link EmaMethodBuilder} configured and gives every such method the
 * same momentum API: {@link #momentum()}, {@link #momentumSchedule(long)}, {@link #emaListener(long)}, target :=
 * online in {@link #initialize}, and the EMA listener in {@link #trainingListeners}. The target copy itself is
 * {@link TargetBranch#append}; the update is {@link EmaTargetListener}. solo-learn's {@code BaseMomentumMethod}
 * (da Costa et al., JMLR 2022) in DL4J terms.
 */
public abstract class EmaMethod extends BaseSslMethod {

    private final EmaTarget ema;

    /**
     * @param scope the online layers with a target copy, for a backbone (e.g. {@link EmaScope#encoder()})
     */
    EmaMethod(EmaMethodBuilder<?> b, Function<Backbone, MlpHead> defaultProjector, Function<Backbone, EmaScope> scope) {
        super(b, defaultProjector);
        this.ema = b.emaTarget(scope.apply(backbone()));
    }

    /** The momentum of the first iteration (BYOL's tau_base, MoCo's m, MoCo v3's m0). */
    public double momentum() { return ema.startMomentum(); }

    /** The momentum schedule for a run of {@code totalIterations} iterations. */
    public MomentumSchedule momentumSchedule(long totalIterations) { return ema.schedule(totalIterations); }

    /** The online layers with a target copy. */
    public EmaScope emaScope() { return ema.scope(); }

    /** The listener that keeps the target the EMA of the online layers of {@link #emaScope()}, for a run length. */
    public EmaTargetListener emaListener(long totalIterations) { return ema.listener(totalIterations); }

    /** Target := online, for the layers of the scope. */
    @Override
    public void initialize(ComputationGraph graph) {
        ema.initialize(graph);
    }

    /** The EMA listener; a method with more listeners (MoCo's key queue) adds them after it. */
    @Override
    public List<TrainingListener> trainingListeners(long totalIterations) {
        return List.of(emaListener(totalIterations));
    }

    /** Appends the target encoder, the frozen train-mode copy of backbone and projector reading the image input. */
    String appendTargetEncoder(ComputationGraphConfiguration.GraphBuilder graph) {
        return appendTargetEncoder(graph, UnaryOperator.identity());
    }

    /** Like {@link #appendTargetEncoder(ComputationGraphConfiguration.GraphBuilder)}, each copied layer through {@code transform}. */
    String appendTargetEncoder(ComputationGraphConfiguration.GraphBuilder graph, UnaryOperator<Layer> transform) {
        return TargetBranch.append(graph, INPUT, TARGET_PREFIX, this::appendEncoder, transform);
    }
}
