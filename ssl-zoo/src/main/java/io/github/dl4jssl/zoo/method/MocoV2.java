package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.MlpHead;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * MoCo v2 (Chen, Fan, Girshick, He, "Improved Baselines with Momentum Contrastive Learning", arXiv:2003.04297, 2020) as one DL4J {@link ComputationGraphConfiguration}: query encoder = backbone + an MLP head ({@code projector_fc1} with ReLU, hidden size = the backbone feature size as in the paper, then {@code projector_fc2} to 128; like the paper without BN, {@code projector(MlpHead.projection(...))} gives the Linear-BN-ReLU-Linear head);
 * key encoder = a frozen, train-mode momentum copy ({@code target_} prefix); InfoNCE with a queue of past keys,
 * temperature 0.2, momentum 0.999. Graph, listeners and shuffle BN: see {@link MocoV1V2}.
 *
 * <pre>{@code
 * MocoV2 moco = new MocoV2.Builder().backbone(new SmallCnn()).queueSize(4096).build();
 * ComputationGraph graph = moco.init();                         // key encoder := query encoder
 * graph.addListeners(moco.trainingListeners(totalIterations));  // momentum update, then enqueue
 * graph.fit(twoViewIterator);
 * }</pre>
 */
public final class MocoV2 extends MocoV1V2 {

    private MocoV2(Builder b) {
        super(b);
    }

    @Override
    public String name() { return "mocov2"; }

    /** Builder with MoCo v2's defaults: K = 65536, t = 0.2, m = 0.999, SGD-Nesterov 0.03 / 0.9, weight decay 1e-4. */
    public static final class Builder extends MocoV1V2.Builder<Builder> {
        public Builder() {
            super(0.2);
        }

        @Override
        MlpHead paperHead(int hiddenSize, int outputSize) {
            return MlpHead.mocoV2Mlp(hiddenSize, outputSize);
        }

        public MocoV2 build() { return new MocoV2(this); }
    }
}
