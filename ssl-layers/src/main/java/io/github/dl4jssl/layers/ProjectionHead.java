package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * The MLP projection head g(.) of SimCLR (Chen et al. 2020, section 2.1) and of MoCo v2 / BYOL:
 * Linear - BatchNorm - ReLU - Linear, appended to a DL4J {@link ComputationGraphConfiguration.GraphBuilder}
 * as four standard DL4J layers (so a graph that uses it keeps its JSON round trip and
 * {@code ModelSerializer} support).
 *
 * <p>The layers are named {@code prefix + "fc1"}, {@code "bn1"}, {@code "relu1"}, {@code "fc2"}; with
 * {@link Builder#batchNormOutput(boolean)} a parameter-free-affine BN follows the last linear layer, as in
 * MoCo v3 and SimSiam.</p>
 *
 * <pre>{@code
 * String z = new ProjectionHead.Builder().hiddenSize(512).outputSize(128).build()
 *         .appendTo(graph, "projector_", "backbone_pool");
 * }</pre>
 */
public final class ProjectionHead {

    private final int hiddenSize;
    private final int outputSize;
    private final boolean batchNormOutput;

    private ProjectionHead(Builder b) {
        this.hiddenSize = b.hiddenSize;
        this.outputSize = b.outputSize;
        this.batchNormOutput = b.batchNormOutput;
    }

    public int getHiddenSize() {
        return hiddenSize;
    }

    public int getOutputSize() {
        return outputSize;
    }

    /**
     * Adds the head's layers to {@code graph}, reading from vertex {@code input}.
     *
     * @return the name of the head's output vertex
     */
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String prefix, String input) {
        graph.addLayer(prefix + "fc1", new DenseLayer.Builder().nOut(hiddenSize).hasBias(false)
                .activation(Activation.IDENTITY).weightInit(WeightInit.RELU).build(), input);
        graph.addLayer(prefix + "bn1", new BatchNormalization.Builder().build(), prefix + "fc1");
        graph.addLayer(prefix + "relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), prefix + "bn1");
        graph.addLayer(prefix + "fc2", new DenseLayer.Builder().nOut(outputSize).hasBias(!batchNormOutput)
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build(), prefix + "relu1");
        if (!batchNormOutput) {
            return prefix + "fc2";
        }
        graph.addLayer(prefix + "bn2", new BatchNormalization.Builder().lockGammaBeta(true).build(), prefix + "fc2");
        return prefix + "bn2";
    }

    /** Builder; defaults are SimCLR's CIFAR head scaled to small backbones: 512 hidden, 128 out. */
    public static final class Builder {
        private int hiddenSize = 512;
        private int outputSize = 128;
        private boolean batchNormOutput;

        public Builder hiddenSize(int hiddenSize) {
            if (hiddenSize <= 0) {
                throw new IllegalArgumentException("ProjectionHead hiddenSize must be positive, got " + hiddenSize);
            }
            this.hiddenSize = hiddenSize;
            return this;
        }

        public Builder outputSize(int outputSize) {
            if (outputSize <= 0) {
                throw new IllegalArgumentException("ProjectionHead outputSize must be positive, got " + outputSize);
            }
            this.outputSize = outputSize;
            return this;
        }

        /** Whether a BatchNorm (without learned scale and shift) follows the last linear layer. */
        public Builder batchNormOutput(boolean batchNormOutput) {
            this.batchNormOutput = batchNormOutput;
            return this;
        }

        public ProjectionHead build() {
            return new ProjectionHead(this);
        }
    }
}
