package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.function.Function;

/**
 * What every method of the zoo holds: the backbone f, the projection head g ({@link MlpHead}), the network-wide
 * training settings of its {@link MethodBuilder}, and the name of the backbone's output vertex. A method then only
 * writes its {@link #configuration()} (the forward pass: which heads, which loss) and its Builder; momentum methods
 * extend {@link EmaMethod}. The stateful base that solo-learn's {@code BaseMethod} is (da Costa et al., "solo-learn",
 * JMLR 2022), without the training loop, which stays DL4J's {@code fit}.
 */
public abstract class BaseSslMethod implements SslMethod {

    private final Backbone backbone;
    private final MlpHead projector;
    private final GlobalSettings global;
    private final String backboneOutput;

    /**
     * @param b                the builder, with its backbone (required) and settings
     * @param defaultProjector the method's own projection head for a backbone, used unless the builder sets one
     */
    BaseSslMethod(MethodBuilder<?> b, Function<Backbone, MlpHead> defaultProjector) {
        this.backbone = b.requireBackbone(getClass().getSimpleName());
        this.projector = b.projector() != null ? b.projector() : defaultProjector.apply(backbone);
        this.global = b.globalSettings();
        this.backboneOutput = backbone.appendTo(new NeuralNetConfiguration.Builder().graphBuilder().addInputs(INPUT),
                INPUT, BACKBONE_PREFIX);
    }

    @Override
    public Backbone backbone() { return backbone; }

    /** The name of the vertex that outputs the online backbone's feature vector (the representation h). */
    @Override
    public String backboneOutput() { return backboneOutput; }

    /** The projection head g. */
    public MlpHead projector() { return projector; }

    /** The optimizer, with its learning-rate schedule if any. */
    public IUpdater updater() { return global.updater(); }

    /** The weight decay coefficient (0: none). */
    public double weightDecay() { return global.weightDecay(); }

    /** A graph builder with the method's global settings and the image input {@link #INPUT} of the backbone. */
    ComputationGraphConfiguration.GraphBuilder graphBuilder() {
        return global.graphBuilder(backbone);
    }

    /** Appends the online encoder, backbone then projector, reading from {@code input}; returns the projection. */
    String appendEncoder(ComputationGraphConfiguration.GraphBuilder graph, String input) {
        return appendHead(projector, graph, backbone.appendTo(graph, input, BACKBONE_PREFIX), PROJECTOR_PREFIX);
    }

    /**
     * Appends {@code head} reading from {@code input}, its BatchNorm and linear layers of the backbone's
     * {@link Backbone#layers() layer implementation} (native on the CPU by default, DL4J's on CUDA).
     */
    String appendHead(MlpHead head, ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix) {
        return head.appendTo(graph, input, prefix, backbone.layers()::batchNormalization, backbone.layers()::dense);
    }

    /**
     * The prediction head: the builder's, else {@code byDefault}; its output is compared with a projection, so its
     * size must be the projector's.
     */
    MlpHead predictor(MlpHead fromBuilder, MlpHead byDefault) {
        MlpHead predictor = fromBuilder != null ? fromBuilder : byDefault;
        if (predictor.outputSize() != projector.outputSize()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the predictor's output size (" + predictor.outputSize()
                    + ") must equal the projector's output size (" + projector.outputSize()
                    + "), since predictions are compared with projections");
        }
        return predictor;
    }
}
