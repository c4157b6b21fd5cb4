package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;

import java.util.List;

/**
 * What MoCo v1 and v2 share as {@link SslMethod}s: both are a {@link MocoConfig} (query encoder, frozen
 * momentum key encoder, InfoNCE against a key queue) and differ only in head and temperature, which their
 * Builders set.
 */
public abstract class MocoMethod implements SslMethod {

    private final MocoConfig config;

    MocoMethod(MocoConfig config) {
        this.config = config;
    }

    /** The settings (temperature, queue size, momentum, ...). */
    public MocoConfig config() {
        return config;
    }

    @Override
    public Backbone backbone() {
        return config.backbone;
    }

    @Override
    public String backboneOutput() {
        return config.backboneOutput;
    }

    @Override
    public ComputationGraphConfiguration configuration() {
        return config.configuration();
    }

    /** Copies the query encoder (backbone and projector, BN statistics included) into the key encoder. */
    @Override
    public void initialize(ComputationGraph graph) {
        config.initialize(graph);
    }

    /**
     * New instances of the {@code EmaTargetListener} (key encoder momentum update) and then the
     * {@code KeyQueueListener} (enqueue). The momentum schedule does not depend on {@code totalIterations}.
     */
    @Override
    public List<TrainingListener> trainingListeners(long totalIterations) {
        return config.trainingListeners();
    }
}
