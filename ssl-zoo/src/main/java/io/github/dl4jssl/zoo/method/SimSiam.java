package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.NegativeCosineLoss;
import io.github.dl4jssl.layers.MlpHead;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.util.Objects;

/**
 * SimSiam (Chen, He, "Exploring Simple Siamese Representation Learning", CVPR 2021) as one DL4J
 * {@link ComputationGraphConfiguration}: one shared encoder (backbone f and projector, whose output layer is
 * followed by a BatchNorm without learned scale and shift, as in the paper), a prediction MLP h, and the
 * symmetrised negative cosine loss with stop-gradient, eq. (4).
 *
 * <p><b>Graph</b> (stacked two-view batches [2N, ...], rows i and i + N are two views of image i):</p>
 * <pre>
 *   input -&gt; backbone_* -&gt; projector_* (z) -&gt; predictor_* (p)
 *   pair = merge(p, z) -&gt; loss (NegativeCosineLoss: -cos(p_i, stopgrad(z_(i+N) mod 2N)), averaged)
 * </pre>
 * <p>z is the <em>same</em> online projector output the predictor reads (there is no target network, no
 * momentum and no listener); the stop-gradient is inside {@link NegativeCosineLoss}, so the encoder is trained
 * only through the predictor path.</p>
 *
 * <p><b>Defaults.</b> Paper (ImageNet): projector 2048-d with BN on every layer including the output,
 * predictor 2048 -&gt; 512 -&gt; 2048 ({@link Builder#paperHeads()}), SGD with momentum 0.9, base learning rate
 * 0.05 x batch / 256, weight decay 1e-4. Here: the same optimizer (DL4J's {@code Nesterovs(0.05, 0.9)}:
 * DL4J has no plain heavy-ball momentum SGD), weight decay 1e-4, heads scaled to small backbones
 * (projector max(512, feature size) hidden, 512 out, BN output; predictor bottleneck 128 = out / 4). The
 * projector has two linear layers (the paper's CIFAR variant) rather than three.</p>
 */
public final class SimSiam extends BaseSslMethod {

    /** The merge vertex feeding the loss: columns [0, d) predictions p, [d, 2d) projections z. */
    public static final String PAIR = "pair";

    private final MlpHead predictor;

    private SimSiam(Builder b) {
        super(b, net -> MlpHead.projectionWithBnOutput(b.projectorHidden(net), 512));
        int out = projector().outputSize();
        this.predictor = predictor(b.predictor, MlpHead.predictor(b.hiddenOr(Math.max(1, out / 4)), out));
    }

    @Override
    public String name() { return "simsiam"; }

    /** The prediction MLP h. */
    public MlpHead predictor() { return predictor; }

    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = graphBuilder();
        String z = appendEncoder(graph, INPUT);
        String p = appendHead(predictor, graph, z, PREDICTOR_PREFIX);
        graph.addVertex(PAIR, new MergeVertex(), p, z);
        graph.addLayer(LOSS, new NegativeCosineLoss.Builder().build(), PAIR);
        return graph.setOutputs(LOSS).build();
    }

    /** Builder with SimSiam's optimizer defaults and heads scaled to small backbones. */
    public static final class Builder extends MethodBuilder<Builder> {
        private MlpHead predictor;

        public Builder() {
            super(new Nesterovs(0.05, 0.9), 1e-4);
        }

        /** The prediction MLP h (default: bottleneck projector out / 4, projector out). */
        public Builder predictor(MlpHead predictor) {
            this.predictor = Objects.requireNonNull(predictor, "predictor");
            return this;
        }

        /** The paper's heads: projector 2048 hidden / 2048 out with BN output, predictor 512 hidden / 2048 out. */
        public Builder paperHeads() {
            return projector(MlpHead.projectionWithBnOutput(2048, 2048)).predictor(MlpHead.predictor(512, 2048));
        }

        public SimSiam build() { return new SimSiam(this); }
    }
}
