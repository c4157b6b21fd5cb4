package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

import java.util.function.Supplier;

/**
 * The small MLP heads of self-supervised methods, one class with a preset per paper (after lightly's
 * {@code ProjectionHead(blocks)}), appended to a DL4J {@link ComputationGraphConfiguration.GraphBuilder} as standard
 * DL4J layers (so a graph that uses it keeps its JSON round trip and {@code ModelSerializer} support):
 * <ul>
 * <li>{@link #projection}: the projection head g(.) of SimCLR (Chen, Kornblith, Norouzi, Hinton, ICML 2020,
 * section 2.1) and BYOL: Linear - BatchNorm - ReLU - Linear;</li>
 * <li>{@link #projectionWithBnOutput}: the same followed by a BatchNorm without learned scale and shift, the
 * projector of MoCo v3 (Chen, Xie, He, ICCV 2021, {@code last_bn=True}) and SimSiam (Chen, He, CVPR 2021);</li>
 * <li>{@link #predictor}: the prediction MLP of BYOL (Grill et al., NeurIPS 2020, section 3.3: q_theta, 4096 hidden)
 * and SimSiam (section 4.4: h, a 512-d bottleneck), Linear - BatchNorm - ReLU - Linear with no BN on the output;</li>
 * <li>{@link #mocoV2Mlp}: the MLP head of MoCo v2 (Chen, Fan, Girshick, He, arXiv:2003.04297): Linear - ReLU -
 * Linear, no BatchNorm;</li>
 * <li>{@link #mocoV1Linear}: MoCo v1's linear projection (He, Fan, Wu, Xie, Girshick, CVPR 2020).</li>
 * </ul>
 *
 * <p>Layer names: {@code prefix + "fc1"} (no bias when BatchNorm follows), {@code "bn1"}, {@code "relu1"},
 * {@code "fc2"}, and {@code "bn2"} with a BatchNorm output; without BatchNorm on the hidden layer the ReLU is the
 * activation of {@code fc1}; a head without a hidden layer is the single layer {@code prefix + "fc"}. These are the
 * names earlier versions' {@code ProjectionHead}, {@code PredictorHead} and MoCo heads gave, so saved models and
 * their momentum pairs keep their parameter names.</p>
 *
 * <pre>{@code
 * String z = MlpHead.projection(512, 128).appendTo(graph, "backbone_pool", "projector_");
 * String p = MlpHead.predictor(512, 128).appendTo(graph, z, "predictor_");
 * }</pre>
 */
public record MlpHead(int hiddenSize, int outputSize, boolean batchNormHidden, boolean batchNormOutput) {

    /**
     * @param hiddenSize      width of the hidden layer; 0 for a head without one (MoCo v1)
     * @param outputSize      size of the output (a prediction's must equal the projection size it is compared with)
     * @param batchNormHidden whether the hidden layer is Linear - BN - ReLU, or Linear with ReLU (MoCo v2)
     * @param batchNormOutput whether a BatchNorm without learned scale and shift follows the last linear layer
     */
    public MlpHead {
        if (hiddenSize < 0 || (hiddenSize == 0 && batchNormHidden)) {
            throw new IllegalArgumentException("MlpHead hiddenSize must be positive (0 only for a head without hidden layer), got "
                    + hiddenSize);
        }
        if (outputSize <= 0) {
            throw new IllegalArgumentException("MlpHead outputSize must be positive, got " + outputSize);
        }
    }

    /** SimCLR's (and BYOL's) projection head: Linear - BN - ReLU - Linear. */
    public static MlpHead projection(int hiddenSize, int outputSize) {
        return new MlpHead(hidden(hiddenSize), outputSize, true, false);
    }

    /** MoCo v3's and SimSiam's projector: Linear - BN - ReLU - Linear - BN (no learned affine on the output). */
    public static MlpHead projectionWithBnOutput(int hiddenSize, int outputSize) {
        return new MlpHead(hidden(hiddenSize), outputSize, true, true);
    }

    /** BYOL's and SimSiam's prediction MLP: Linear - BN - ReLU - Linear, no BN on the output. */
    public static MlpHead predictor(int hiddenSize, int outputSize) { return projection(hiddenSize, outputSize); }

    /** MoCo v2's MLP head: Linear - ReLU - Linear, no BatchNorm. */
    public static MlpHead mocoV2Mlp(int hiddenSize, int outputSize) {
        return new MlpHead(hidden(hiddenSize), outputSize, false, false);
    }

    /** MoCo v1's linear projection: one fully connected layer. */
    public static MlpHead mocoV1Linear(int outputSize) { return new MlpHead(0, outputSize, false, false); }

    private static int hidden(int hiddenSize) {
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("MlpHead hiddenSize must be positive, got " + hiddenSize);
        }
        return hiddenSize;
    }

    /**
     * Adds the head's layers to {@code graph}, reading from vertex {@code input}; the argument order of
     * {@code Backbone.appendTo} and {@code TargetBranch.append}.
     *
     * @param prefix prefix of every vertex name added, e.g. {@code "projector_"}
     * @return the name of the head's output vertex
     */
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix) {
        return appendTo(graph, input, prefix, BatchNormalization.Builder::new);
    }

    /**
     * Like {@link #appendTo(ComputationGraphConfiguration.GraphBuilder, String, String)}, with the BatchNorm layers
     * built from {@code batchNorm} (e.g. {@link NativeBatchNormalization.Builder}, which computes the same function
     * faster on the CPU) instead of DL4J's {@link BatchNormalization.Builder}.
     */
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix,
                           Supplier<? extends BatchNormalization.Builder> batchNorm) {
        return appendTo(graph, input, prefix, batchNorm, DenseLayer.Builder::new);
    }

    /**
     * Like {@link #appendTo(ComputationGraphConfiguration.GraphBuilder, String, String, Supplier)}, with the linear
     * layers built from {@code dense} (e.g. {@link NativeDenseLayer.Builder}) instead of DL4J's
     * {@link DenseLayer.Builder}.
     */
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix,
                           Supplier<? extends BatchNormalization.Builder> batchNorm,
                           Supplier<? extends DenseLayer.Builder> dense) {
        String last = input;
        String linear = prefix + "fc";
        if (hiddenSize > 0) {
            linear = prefix + "fc2";
            graph.addLayer(prefix + "fc1", dense.get().nOut(hiddenSize).hasBias(!batchNormHidden)
                    .activation(batchNormHidden ? Activation.IDENTITY : Activation.RELU).weightInit(WeightInit.RELU).build(), input);
            last = prefix + "fc1";
            if (batchNormHidden) {
                graph.addLayer(prefix + "bn1", batchNorm.get().build(), last);
                graph.addLayer(prefix + "relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), prefix + "bn1");
                last = prefix + "relu1";
            }
        }
        graph.addLayer(linear, dense.get().nOut(outputSize).hasBias(!batchNormOutput)
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build(), last);
        if (!batchNormOutput) {
            return linear;
        }
        graph.addLayer(prefix + "bn2", batchNorm.get().lockGammaBeta(true).build(), linear);
        return prefix + "bn2";
    }
}
