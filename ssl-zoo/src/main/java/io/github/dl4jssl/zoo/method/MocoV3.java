package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.layers.SslLossLayer;
import io.github.dl4jssl.listeners.EmaScope;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Objects;

/**
 * MoCo v3 (Chen, Xie, He, "An Empirical Study of Training Self-Supervised Vision Transformers", ICCV 2021,
 * Algorithm 1) for ResNet-style backbones, as one DL4J {@link ComputationGraphConfiguration}: no queue, the
 * negatives are the momentum keys of the same batch.
 *
 * <p><b>Graph</b> (stacked two-view batches [2N, ...], rows i and i + N are two views of image i):</p>
 * <pre>
 *   input -&gt; backbone_* -&gt; projector_* -&gt; predictor_*     (query encoder f_q: q = predictor output)
 *   input -&gt; target_backbone_* -&gt; target_projector_*     (momentum encoder f_k: k, frozen, train-mode BN)
 *   pair = merge(q, k) -&gt; loss (InfoNceLoss, batch negatives, symmetric: ctr(q1, k2) + ctr(q2, k1))
 * </pre>
 * <p>For query q_i of one view the candidates are the N keys of the other view: its positive k of the same
 * image and the other view's keys of the N - 1 other images. The projector ends with a BatchNorm without
 * learned affine (MoCo v3's {@code last_bn=True}); the predictor has none. The momentum encoder is an EMA of
 * backbone + projector (the predictor has no momentum copy), {@code m = 1 - (1 - m0)(cos(pi k / K) + 1) / 2}
 * with {@code m0 = 0.99} (cosine increase to 1, section 4 / appendix). The reported score is the mean over the
 * 2N queries; with {@link Builder#scaleByTwoTemperature(boolean)} (default on) it is multiplied by 2t as in the
 * reference code ({@code CrossEntropyLoss(...) * 2 * T}).</p>
 *
 * <p><b>Defaults.</b> Temperature 0.2 (the paper's value; the reference code uses 1.0 for ResNet-50),
 * m0 = 0.99 with cosine schedule, weight decay 1e-6. Paper (ResNet-50): 3-layer projector 4096 / 256 and
 * 2-layer predictor 4096 / 256 ({@link Builder#paperHeads()} gives 2-layer projector 4096 / 256 and predictor
 * 4096 / 256), LARS. Here the heads are scaled to small backbones (projector max(512, feature size) hidden,
 * 128 out; predictor 512 hidden) and the updater is Adam 1e-3 (the paper's: {@code updater(Lars)} with
 * {@code warmupCosine(...)}).</p>
 *
 * <p><b>Vision Transformers.</b> With a {@link io.github.dl4jssl.zoo.backbone.VisionTransformer} backbone MoCo v3
 * trains with AdamW, weight decay 0.1, lr = 1.5e-4 x batch / 256, linear warm-up then cosine decay
 * ({@link Builder#adamW(double, long, long)}; DL4J 1.0.0-M2.1 has no AdamW: Adam plus DL4J's decoupled
 * {@code WeightDecay}, which scales with the current learning rate as AdamW does), temperature 0.2, the same
 * predictor and momentum 0.99 -&gt; 1. Its stability fix, a frozen random patch projection, is the backbone's
 * {@code freezePatchEmbedding(true)}.</p>
 */
public final class MocoV3 extends EmaMethod {

    /** The merge vertex feeding the loss: columns [0, d) queries q, [d, 2d) keys k. */
    public static final String PAIR = "pair";

    /** MoCo v3's AdamW weight decay for ViTs. */
    public static final double VIT_WEIGHT_DECAY = 0.1;

    /** MoCo v3's ViT learning rate for a batch of 256 images (lr = 1.5e-4 x batch / 256). */
    public static final double VIT_BASE_LEARNING_RATE = 1.5e-4;

    private final MlpHead predictor;
    private final double temperature;
    private final boolean scaleByTwoTemperature;

    private MocoV3(Builder b) {
        super(b, net -> MlpHead.projectionWithBnOutput(b.projectorHidden(net), 128), net -> EmaScope.encoder());
        this.predictor = predictor(b.predictor, MlpHead.predictor(b.hiddenOr(512), projector().outputSize()));
        this.temperature = b.temperature;
        this.scaleByTwoTemperature = b.scaleByTwoTemperature;
    }

    /** Adam on MoCo v3's ViT schedule (linear warm-up, cosine decay); with weight decay 0.1 it is AdamW. */
    public static Adam vitAdam(double learningRate, long warmupIterations, long totalIterations) {
        return new Adam(new WarmupCosineSchedule(learningRate, warmupIterations, totalIterations));
    }

    /** The warm-up length MoCo v3 uses for ViTs, 40 of 300 epochs, for a run of {@code totalIterations} (at least 1). */
    public static long vitWarmupIterations(long totalIterations) {
        return Math.max(1, Math.min(totalIterations - 1, Math.round(totalIterations * 40.0 / 300.0)));
    }

    @Override
    public String name() { return "mocov3"; }

    /** The prediction MLP. */
    public MlpHead predictor() { return predictor; }

    public double temperature() { return temperature; }

    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = graphBuilder();
        String query = appendHead(predictor, graph, appendEncoder(graph, INPUT), PREDICTOR_PREFIX);
        String key = appendTargetEncoder(graph);
        graph.addVertex(PAIR, new MergeVertex(), query, key);
        graph.addLayer(LOSS, new InfoNceLoss.Builder().temperature(temperature).batchNegatives(true).queueSize(0)
                .symmetric(true).scaleByTwoTemperature(scaleByTwoTemperature).build(), PAIR);
        return graph.setOutputs(LOSS).build();
    }

    /** Builder with MoCo v3's defaults (t = 0.2, 2t scaling, m0 = 0.99 cosine to 1, weight decay 1e-6). */
    public static final class Builder extends EmaMethodBuilder<Builder> {
        private MlpHead predictor;
        private double temperature = 0.2;
        private boolean scaleByTwoTemperature = true;

        public Builder() {
            super(new Adam(1e-3), 1e-6, 0.99, true);
        }

        /** The prediction MLP (default: 512 hidden, the projector's output size out). */
        public Builder predictor(MlpHead predictor) {
            this.predictor = Objects.requireNonNull(predictor, "predictor");
            return this;
        }

        /** Paper-sized heads: projector 4096 hidden / 256 out with BN output, predictor 4096 hidden / 256 out. */
        public Builder paperHeads() {
            return projector(MlpHead.projectionWithBnOutput(4096, 256)).predictor(MlpHead.predictor(4096, 256));
        }

        /** InfoNCE temperature t (default 0.2). */
        public Builder temperature(double temperature) {
            this.temperature = SslLossLayer.checkTemperature("MocoV3", temperature);
            return this;
        }

        /** Multiply the loss by 2t as MoCo v3's reference code does (default true). */
        public Builder scaleByTwoTemperature(boolean scaleByTwoTemperature) {
            this.scaleByTwoTemperature = scaleByTwoTemperature;
            return this;
        }

        /**
         * MoCo v3's ViT optimizer: AdamW (Adam + decoupled weight decay 0.1) with {@link WarmupCosineSchedule}
         * (peak {@code learningRate}, linear warm-up over {@code warmupIterations}, cosine decay to 0 at
         * {@code totalIterations}). The paper: lr 1.5e-4 x batch / 256, 40 warm-up epochs of 300.
         */
        public Builder adamW(double learningRate, long warmupIterations, long totalIterations) {
            updater(vitAdam(learningRate, warmupIterations, totalIterations));
            return weightDecay(VIT_WEIGHT_DECAY);
        }

        public MocoV3 build() { return new MocoV3(this); }
    }
}
