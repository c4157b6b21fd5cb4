package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.SplitBatchNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training-mode forward pass of {@link SplitBatchNormalization} on CNN input, per group on channel rows, against
 * the layer's SameDiff graph (the reference it replaced): float and double, 1 to 4 groups, learned or locked gamma and
 * beta, groups whose inputs differ by large offsets (a normalisation over the whole batch would be visibly wrong).
 * The hand-computed per-group values are checked in {@code SplitBatchNormalizationTest}.
 */
class SplitBatchNormalizationForwardTest {

    @AfterEach
    void restore() {
        SplitBatchNormalizationImpl.setSameDiffTrainingForward(false);
    }

    private static ComputationGraph graph(SplitBatchNormalization bn, DataType type) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(type)
                .updater(new NoOp()).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(4, 5, 3))
                .addLayer("bn", bn, "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "bn")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /**
     * 1x1 maps (ResNet's last stage on 8x8 images) keep the SameDiff graph: libnd4j's per-row ops treat an [R, 1]
     * matrix as a vector. The rows path on them corrupted memory (MoCo v2's key queue in SslMethodsTest).
     */
    @Test
    void oneByOneMapsKeepTheSameDiffGraph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new NoOp()).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(1, 1, 4))
                .addLayer("bn", new SplitBatchNormalization.Builder().groups(2).build(), "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "bn")
                .setOutputs("out").build());
        g.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 4, 1, 1);
        INDArray out = g.feedForward(x, true).get("bn").dup();
        SplitBatchNormalizationImpl.setSameDiffTrainingForward(true);
        INDArray sameDiff = g.feedForward(x, true).get("bn").dup();
        assertTrue(out.equalsWithEps(sameDiff, 1e-6), out.sub(sameDiff).amaxNumber().toString());
    }

    @Test
    void perGroupRowsGiveTheSameDiffGraphsOutput() {
        for (DataType type : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            for (int groups : new int[]{1, 2, 4}) {
                for (boolean lock : new boolean[]{false, true}) {
                    SplitBatchNormalization bn = new SplitBatchNormalization.Builder().groups(groups).lockGammaBeta(lock)
                            .gamma(1.5).beta(-0.25).build();
                    ComputationGraph g = graph(bn, type);
                    if (!lock) {
                        g.getLayer("bn").getParam("gamma").assign(Nd4j.rand(type, 1, 3).addi(0.5));
                        g.getLayer("bn").getParam("beta").assign(Nd4j.randn(type, 1, 3));
                    }
                    INDArray x = Nd4j.rand(type, 8, 3, 4, 5).muli(4);
                    for (int i = 0; i < 8; i++) {
                        x.slice(i).addi(3 * i);
                    }
                    INDArray rows = g.feedForward(x, true).get("bn").dup();
                    SplitBatchNormalizationImpl.setSameDiffTrainingForward(true);
                    INDArray sameDiff = g.feedForward(x, true).get("bn").dup();
                    SplitBatchNormalizationImpl.setSameDiffTrainingForward(false);
                    double tolerance = type == DataType.DOUBLE ? 1e-10 : 2e-5;
                    String what = type + " groups " + groups + " lock " + lock;
                    assertTrue(rows.equalsWithEps(sameDiff, tolerance), what + ": " + rows.sub(sameDiff).amaxNumber());
                }
            }
        }
    }
}
