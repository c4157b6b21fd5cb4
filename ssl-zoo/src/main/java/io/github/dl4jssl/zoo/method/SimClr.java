package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.NtXentLoss;
import io.github.dl4jssl.layers.ProjectionHead;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.learning.config.Adam;

/**
 * SimCLR (Chen, Kornblith, Norouzi, Hinton, "A Simple Framework for Contrastive Learning of Visual
 * Representations", ICML 2020) as one DL4J {@link ComputationGraphConfiguration}: backbone f(.),
 * projection head g(.) and the NT-Xent loss, trained with plain {@code graph.fit(...)} on stacked two-view
 * batches (rows i and i+N are two augmentations of one image, see the two-view iterator of ssl-zoo).
 *
 * <p>Vertex names: the input is {@link #INPUT}, backbone layers start with {@link #BACKBONE_PREFIX},
 * projector layers with {@link #PROJECTOR_PREFIX}, and the loss is {@link #LOSS}. The trained backbone is
 * taken out for downstream use with {@code BackboneGraph.extract(graph, backbone, BACKBONE_PREFIX)}.</p>
 *
 * <pre>{@code
 * SimClr simclr = new SimClr.Builder().backbone(new SmallCnn()).temperature(0.5).build();
 * ComputationGraph graph = simclr.init();
 * graph.fit(twoViewIterator);
 * }</pre>
 */
public final class SimClr implements SslMethod {

    private final Backbone backbone;
    private final ProjectionHead projector;
    private final double temperature;
    private final GlobalSettings global;
    private final String backboneOutput;

    private SimClr(Builder b) {
        this.backbone = b.requireBackbone("SimClr");
        this.projector = b.projector != null ? b.projector
                : new ProjectionHead.Builder().hiddenSize(b.hiddenOr(Math.max(512, backbone.featureSize())))
                        .outputSize(128).build();
        this.temperature = b.temperature;
        this.global = b.globalSettings();
        this.backboneOutput = backbone.appendTo(new NeuralNetConfiguration.Builder().graphBuilder().addInputs(INPUT),
                INPUT, BACKBONE_PREFIX);
    }

    @Override
    public String name() {
        return "simclr";
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    /** The name of the vertex that outputs the backbone's feature vector (the representation h). */
    @Override
    public String backboneOutput() {
        return backboneOutput;
    }

    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = global.graphBuilder(backbone);
        String features = backbone.appendTo(graph, INPUT, BACKBONE_PREFIX);
        String embedding = projector.appendTo(graph, PROJECTOR_PREFIX, features);
        graph.addLayer(LOSS, new NtXentLoss.Builder().temperature(temperature).build(), embedding);
        return graph.setOutputs(LOSS).build();
    }

    /** Builder with SimCLR's defaults scaled to small data: t = 0.5, Adam 1e-3, 512-128 projector. */
    public static final class Builder extends MethodBuilder<Builder> {
        private ProjectionHead projector;
        private double temperature = 0.5;

        public Builder() {
            super(new Adam(1e-3), 1e-6);
        }

        public Builder projector(ProjectionHead projector) {
            this.projector = projector;
            return this;
        }

        public Builder temperature(double temperature) {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("SimCLR temperature must be a positive finite number, got " + temperature);
            }
            this.temperature = temperature;
            return this;
        }

        /** Decoupled L2 weight decay coefficient (0 to disable); any number that is not negative. */
        @Override
        double checkWeightDecay(double weightDecay) {
            return checkNotNegativeWeightDecay(weightDecay);
        }

        public SimClr build() {
            return new SimClr(this);
        }
    }
}
