package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.NtXentLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.layers.SslLossLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
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
public final class SimClr extends BaseSslMethod {

    private final double temperature;

    private SimClr(Builder b) {
        super(b, net -> MlpHead.projection(b.projectorHidden(net), 128));
        this.temperature = b.temperature;
    }

    @Override
    public String name() { return "simclr"; }

    public double temperature() { return temperature; }

    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = graphBuilder();
        String embedding = appendEncoder(graph, INPUT);
        graph.addLayer(LOSS, new NtXentLoss.Builder().temperature(temperature).build(), embedding);
        return graph.setOutputs(LOSS).build();
    }

    /** Builder with SimCLR's defaults scaled to small data: t = 0.5, Adam 1e-3, max(512, feature size)-128 projector. */
    public static final class Builder extends MethodBuilder<Builder> {
        private double temperature = 0.5;

        public Builder() {
            super(new Adam(1e-3), 1e-6);
        }

        /** NT-Xent temperature t (default 0.5). */
        public Builder temperature(double temperature) {
            this.temperature = SslLossLayer.checkTemperature("SimClr", temperature);
            return this;
        }

        public SimClr build() { return new SimClr(this); }
    }
}
