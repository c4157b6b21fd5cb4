package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.NtXentLoss;
import io.github.dl4jssl.layers.ProjectionHead;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;

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
    private final IUpdater updater;
    private final double weightDecay;
    private final long seed;
    private final DataType dataType;
    private final String backboneOutput;

    private SimClr(Builder b) {
        this.backbone = Objects.requireNonNull(b.backbone, "SimClr needs a backbone: Builder.backbone(...)");
        this.projector = b.projector != null ? b.projector
                : new ProjectionHead.Builder().hiddenSize(Math.max(512, backbone.featureSize()))
                        .outputSize(128).build();
        this.temperature = b.temperature;
        this.updater = b.updater;
        this.weightDecay = b.weightDecay;
        this.seed = b.seed;
        this.dataType = b.dataType;
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
        NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(dataType).updater(updater);
        if (weightDecay > 0) {
            global.weightDecay(weightDecay);
        }
        ComputationGraphConfiguration.GraphBuilder graph = global.graphBuilder()
                .addInputs(INPUT).setInputTypes(backbone.inputType());
        String features = backbone.appendTo(graph, INPUT, BACKBONE_PREFIX);
        String embedding = projector.appendTo(graph, PROJECTOR_PREFIX, features);
        graph.addLayer(LOSS, new NtXentLoss.Builder().temperature(temperature).build(), embedding);
        return graph.setOutputs(LOSS).build();
    }

    /** Builder with SimCLR's defaults scaled to small data: t = 0.5, Adam 1e-3, 512-128 projector. */
    public static final class Builder {
        private Backbone backbone;
        private ProjectionHead projector;
        private double temperature = 0.5;
        private IUpdater updater = new Adam(1e-3);
        private double weightDecay = 1e-6;
        private long seed = 42;
        private DataType dataType = DataType.FLOAT;

        public Builder backbone(Backbone backbone) {
            this.backbone = backbone;
            return this;
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

        public Builder updater(IUpdater updater) {
            this.updater = Objects.requireNonNull(updater, "updater");
            return this;
        }

        /** Decoupled L2 weight decay coefficient (0 to disable). */
        public Builder weightDecay(double weightDecay) {
            if (weightDecay < 0) {
                throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
            }
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder dataType(DataType dataType) {
            this.dataType = Objects.requireNonNull(dataType, "dataType");
            return this;
        }

        public SimClr build() {
            return new SimClr(this);
        }
    }
}
