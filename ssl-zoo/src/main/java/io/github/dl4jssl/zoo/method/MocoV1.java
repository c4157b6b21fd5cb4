package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.MlpHead;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * MoCo v1 (He, Fan, Wu, Xie, Girshick, "Momentum Contrast for Unsupervised Visual Representation Learning", CVPR 2020) as one DL4J {@link ComputationGraphConfiguration}: query encoder = backbone + a linear projection ({@code projector_fc}, a DenseLayer to 128);
 * key encoder = a frozen, train-mode momentum copy ({@code target_} prefix); InfoNCE with a queue of past keys,
 * temperature 0.07, momentum 0.999. Graph, listeners and shuffle BN: see {@link MocoV1V2}.
 *
 * <pre>{@code
 * MocoV1 moco = new MocoV1.Builder().backbone(new SmallCnn()).queueSize(4096).build();
 * ComputationGraph graph = moco.init();                         // key encoder := query encoder
 * graph.addListeners(moco.trainingListeners(totalIterations));  // momentum update, then enqueue
 * graph.fit(twoViewIterator);
 * }</pre>
 */
public final class MocoV1 extends MocoV1V2 {

    private MocoV1(Builder b) {
        super(b);
    }

    @Override
    public String name() { return "mocov1"; }

    /** Builder with MoCo v1's defaults: K = 65536, t = 0.07, m = 0.999, SGD-Nesterov 0.03 / 0.9, weight decay 1e-4. */
    public static final class Builder extends MocoV1V2.Builder<Builder> {
        public Builder() {
            super(0.07);
        }

        @Override
        MlpHead paperHead(int hiddenSize, int outputSize) {
            return MlpHead.mocoV1Linear(outputSize);
        }

        public MocoV1 build() { return new MocoV1(this); }
    }
}
