package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeBatchNormalization;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link NativeBatchNormalizationImpl} in float NCHW with its last steps in oneDNN ({@link OneDnnChannelAffine})
 * against the same layer with oneDNN switched off (its row-wise ops, which {@code NativeBatchNormalizationTest} checks
 * against the formulas in double): training output, dL/dx, dL/dgamma, dL/dbeta and the inference output.
 */
class NativeBatchNormalizationOneDnnTest {

    private static final int[][] SHAPES = {{3, 2, 3, 4}, {8, 20, 5, 6}, {4, 33, 2, 1}};

    @AfterEach
    void restore() {
        OneDnn.setEnabled(true);
    }

    private static ComputationGraph graph(int[] s) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(s[2], s[3], s[1]))
                .addLayer("bn", new NativeBatchNormalization.Builder().build(), "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "bn")
                .setOutputs("out").build());
        g.init();
        g.initGradientsView();
        Nd4j.getRandom().setSeed(5);
        g.getLayer("bn").getParam("gamma").assign(Nd4j.randn(DataType.FLOAT, 1, s[1]));
        g.getLayer("bn").getParam("beta").assign(Nd4j.randn(DataType.FLOAT, 1, s[1]));
        g.getLayer("bn").getParam("mean").assign(Nd4j.randn(DataType.FLOAT, 1, s[1]));
        return g;
    }

    /** {training output, dL/dx, dL/dgamma, dL/dbeta, inference output} with oneDNN on or off. */
    private static INDArray[] passes(int[] s, INDArray x, INDArray dy, boolean oneDnn) {
        OneDnn.setEnabled(oneDnn);
        ComputationGraph g = graph(s);
        Layer bn = g.getLayer("bn");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        assertEquals(oneDnn && s[2] * s[3] > 1, ((NativeBatchNormalizationImpl) bn).usesOneDnn(x), "oneDNN path taken");
        bn.setInput(x, mgr);
        INDArray y = bn.activate(true, mgr).dup();
        Pair<Gradient, INDArray> back = bn.backpropGradient(dy, mgr);
        INDArray gamma = back.getFirst().getGradientFor("gamma").dup();
        INDArray beta = back.getFirst().getGradientFor("beta").dup();
        bn.setInput(x, mgr);
        INDArray inference = bn.activate(false, mgr).dup();
        return new INDArray[]{y, back.getSecond().dup(), gamma, beta, inference};
    }

    @Test
    void oneDnnStepsEqualTheRowWiseOps() {
        String[] names = {"training output", "dL/dx", "dL/dgamma", "dL/dbeta", "inference output"};
        for (int[] s : SHAPES) {
            Nd4j.getRandom().setSeed(6);
            INDArray x = Nd4j.randn(DataType.FLOAT, s[0], s[1], s[2], s[3]).muli(2).addi(3);
            INDArray dy = Nd4j.randn(DataType.FLOAT, s[0], s[1], s[2], s[3]);
            // dL/dy in f order too: oneDNN reads a dense copy
            for (INDArray g : new INDArray[]{dy, dy.dup('f')}) {
                INDArray[] rows = passes(s, x, g, false);
                INDArray[] dnn = passes(s, x, g, true);
                for (int i = 0; i < names.length; i++) {
                    double scale = Math.max(1.0, rows[i].amaxNumber().doubleValue());
                    double diff = rows[i].sub(dnn[i]).amaxNumber().doubleValue();
                    assertTrue(diff <= 2e-5 * scale, names[i] + " differs by " + diff + " for " + java.util.Arrays.toString(s)
                            + " order " + g.ordering());
                }
            }
        }
    }
}
