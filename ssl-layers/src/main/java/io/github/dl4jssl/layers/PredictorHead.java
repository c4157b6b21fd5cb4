package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * The prediction MLP of BYOL and SimSiam: Linear - BatchNorm - ReLU - Linear, appended to a DL4J
 * {@link ComputationGraphConfiguration.GraphBuilder} as four standard DL4J layers (JSON and
 * {@code ModelSerializer} work as for any graph).
 *
 * <p>Grill et al., "Bootstrap Your Own Latent" (BYOL), NeurIPS 2020, section 3.3: q_theta maps the
 * 256-d projection through a 4096-d hidden layer back to 256-d. Chen, He, "Exploring Simple Siamese
 * Representation Learning" (SimSiam), CVPR 2021, section 4.4: h maps 2048-d through a 512-d bottleneck
 * back to 2048-d. <b>In:</b> the online projection z (a feed-forward activation of size d). <b>Out:</b> the
 * prediction p of size {@link Builder#outputSize(int)} (normally d, so that p and the target's z can be
 * merged for {@link ByolLoss} or {@link NegativeCosineLoss}).</p>
 *
 * <p>The layers are named {@code prefix + "fc1"} (no bias: BatchNorm follows), {@code "bn1"},
 * {@code "relu1"}, {@code "fc2"} (with bias, no BatchNorm on the output, as in both papers).</p>
 *
 * <pre>{@code
 * String p = new PredictorHead.Builder().hiddenSize(512).outputSize(128).build()
 *         .appendTo(graph, "predictor_", "projector_fc2");
 * graph.addVertex("pz", new MergeVertex(), p, "target_projector_fc2");
 * graph.addLayer("loss", new ByolLoss.Builder().build(), "pz");
 * }</pre>
 */
public final class PredictorHead {

    private final int hiddenSize;
    private final int outputSize;

    private PredictorHead(Builder b) {
        this.hiddenSize = b.hiddenSize;
        this.outputSize = b.outputSize;
    }

    public int getHiddenSize() {
        return hiddenSize;
    }

    public int getOutputSize() {
        return outputSize;
    }

    /**
     * Adds the predictor's layers to {@code graph}, reading from vertex {@code input}.
     *
     * @return the name of the predictor's output vertex ({@code prefix + "fc2"})
     */
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String prefix, String input) {
        graph.addLayer(prefix + "fc1", new DenseLayer.Builder().nOut(hiddenSize).hasBias(false)
                .activation(Activation.IDENTITY).weightInit(WeightInit.RELU).build(), input);
        graph.addLayer(prefix + "bn1", new BatchNormalization.Builder().build(), prefix + "fc1");
        graph.addLayer(prefix + "relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), prefix + "bn1");
        graph.addLayer(prefix + "fc2", new DenseLayer.Builder().nOut(outputSize).hasBias(true)
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build(), prefix + "relu1");
        return prefix + "fc2";
    }

    /** Builder; defaults suit a 128-d projection: 512 hidden (SimSiam-style bottleneck), 128 out. */
    public static final class Builder {
        private int hiddenSize = 512;
        private int outputSize = 128;

        /** Width of the hidden layer (BYOL: 4096, SimSiam: 512 for 2048-d projections). */
        public Builder hiddenSize(int hiddenSize) {
            if (hiddenSize <= 0) {
                throw new IllegalArgumentException("PredictorHead hiddenSize must be positive, got " + hiddenSize);
            }
            this.hiddenSize = hiddenSize;
            return this;
        }

        /** Size of the prediction; must equal the projection size it is compared with. */
        public Builder outputSize(int outputSize) {
            if (outputSize <= 0) {
                throw new IllegalArgumentException("PredictorHead outputSize must be positive, got " + outputSize);
            }
            this.outputSize = outputSize;
            return this;
        }

        public PredictorHead build() {
            return new PredictorHead(this);
        }
    }
}
