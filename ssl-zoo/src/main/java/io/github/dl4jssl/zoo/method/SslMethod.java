package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.GraphNames;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;

import java.util.List;

/**
 * A self-supervised method as one DL4J {@link ComputationGraph}: its configuration, what a freshly
 * initialised graph needs before training (e.g. copying the online weights into a momentum target), and
 * the training listeners the method itself needs (EMA target update, key-queue update).
 *
 * <p>All methods take stacked two-view batches (rows i and i+N are two views of image i), name the input
 * {@link #INPUT} and prefix their backbone layers with {@link #BACKBONE_PREFIX} (the names of {@link GraphNames}), so the trained backbone
 * is taken out with {@code BackboneGraph.extract(graph, method.backbone(), BACKBONE_PREFIX)}.</p>
 */
public interface SslMethod {

    /** {@link GraphNames#INPUT}. */
    String INPUT = GraphNames.INPUT;
    /** {@link GraphNames#BACKBONE}. */
    String BACKBONE_PREFIX = GraphNames.BACKBONE;
    /** {@link GraphNames#PROJECTOR}. */
    String PROJECTOR_PREFIX = GraphNames.PROJECTOR;
    /** {@link GraphNames#PREDICTOR}. */
    String PREDICTOR_PREFIX = GraphNames.PREDICTOR;
    /** {@link GraphNames#TARGET}: the momentum (target) copy of online layer X is {@code target_ + X}. */
    String TARGET_PREFIX = GraphNames.TARGET;
    /** {@link GraphNames#LOSS}. */
    String LOSS = GraphNames.LOSS;

    /** The method's command-line name, e.g. {@code simclr} or {@code mocov2}. */
    String name();

    Backbone backbone();

    /** The name of the vertex that outputs the online backbone's feature vector. */
    String backboneOutput();

    ComputationGraphConfiguration configuration();

    /** Prepares a freshly initialised graph for training (for momentum methods: target := online). */
    default void initialize(ComputationGraph graph) {
    }

    /**
     * The listeners the method needs while training, to be added to the user's own ones.
     *
     * @param totalIterations the planned number of iterations (for momentum schedules)
     */
    default List<TrainingListener> trainingListeners(long totalIterations) {
        return List.of();
    }

    /** A new graph of this configuration, initialised and prepared with {@link #initialize}. */
    default ComputationGraph init() {
        ComputationGraph graph = new ComputationGraph(configuration());
        graph.init();
        initialize(graph);
        return graph;
    }
}
