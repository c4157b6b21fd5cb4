package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.NativeDenseLayer;
import io.github.dl4jssl.layers.NtXentLoss;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The float paths through oneDNN's sgemm ({@link OneDnnGemm}) of InfoNCE, NT-Xent and the native dense layer give
 * the score and gradients of the same float graph with oneDNN off (ND4J's gemm; those paths are checked against
 * independent values and gradient checks in double precision by the layers' own tests).
 */
class OneDnnGemmLossesTest {

    @AfterEach
    void oneDnnBackOn() {
        OneDnn.setEnabled(true);
    }

    /** Inputs "a" [*, 6] -> native dense "online" (tanh, 4) and "b" [*, 4]; merge(online, b) -> loss; float. */
    private static ComputationGraph graph(Layer loss) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.FLOAT)
                .updater(new NoOp()).graphBuilder().addInputs("a", "b")
                .setInputTypes(InputType.feedForward(6), InputType.feedForward(4))
                .addLayer("online", new NativeDenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "a")
                .addVertex("merge", new MergeVertex(), "online", "b")
                .addLayer("loss", loss, "merge").setOutputs("loss").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static void assertSameWithAndWithoutOneDnn(Layer loss, String what) {
        Nd4j.getRandom().setSeed(5);
        INDArray a = Nd4j.randn(DataType.FLOAT, 8, 6);
        INDArray b = Nd4j.randn(DataType.FLOAT, 8, 4);
        double[] scores = new double[2];
        INDArray[] gradients = new INDArray[2];
        for (int i = 0; i < 2; i++) {
            OneDnn.setEnabled(i == 0);
            ComputationGraph g = graph(loss.clone());
            g.setInputs(a, b);
            g.setLabels(Nd4j.zeros(DataType.FLOAT, 8, 1));
            g.computeGradientAndScore();
            scores[i] = g.score();
            gradients[i] = g.gradient().gradient().dup();
        }
        assertEquals(scores[1], scores[0], 1e-5 * Math.abs(scores[1]), what);
        assertTrue(gradients[1].equalsWithEps(gradients[0], 1e-5), what + "\n" + gradients[0] + "\n" + gradients[1]);
        assertTrue(gradients[0].norm2Number().doubleValue() > 0, what + ": some gradient");
    }

    @Test
    void infoNceAndNtXentGiveTheSameResultThroughOneDnn() {
        assumeTrue(OneDnn.available(), "oneDNN not loaded on this platform");
        assertSameWithAndWithoutOneDnn(new InfoNceLoss.Builder().temperature(0.2).queueSize(7).batchNegatives(false)
                .symmetric(true).build(), "MoCo v2");
        assertSameWithAndWithoutOneDnn(new InfoNceLoss.Builder().temperature(0.2).queueSize(5).batchNegatives(true)
                .symmetric(true).build(), "queue and batch negatives");
        assertSameWithAndWithoutOneDnn(new InfoNceLoss.Builder().temperature(0.2).queueSize(0).batchNegatives(true)
                .symmetric(true).scaleByTwoTemperature(true).build(), "MoCo v3");
        assertSameWithAndWithoutOneDnn(new NtXentLoss.Builder().temperature(0.5).build(), "NT-Xent");
    }
}
