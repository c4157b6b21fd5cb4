package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.TestGraphs;
import io.github.dl4jssl.layers.ByolLoss;
import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.NegativeCosineLoss;
import io.github.dl4jssl.layers.NtXentLoss;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hand-derived losses compute their score once per training step: the loss found with the gradient is the
 * score DL4J then asks for, and a new input is scored afresh.
 */
class HandDerivedLossLayerTest {

    /** Inputs "a" [*, 5] -> dense "online" (4) and "b" [*, 4]; the loss sees merge(online, b) or online alone. */
    private static ComputationGraph graph(Layer loss, boolean merged) {
        NeuralNetConfiguration.Builder conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new NoOp());
        var b = conf.graphBuilder();
        if (merged) {
            b.addInputs("a", "b").setInputTypes(InputType.feedForward(5), InputType.feedForward(4))
                    .addLayer("online", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "a")
                    .addVertex("merge", new MergeVertex(), "online", "b").addLayer("loss", loss, "merge");
        } else {
            b.addInputs("a").setInputTypes(InputType.feedForward(5))
                    .addLayer("online", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "a")
                    .addLayer("loss", loss, "online");
        }
        return TestGraphs.initialized(b.setOutputs("loss").build());
    }

    private static void assertScoredOncePerStep(ComputationGraph g) {
        INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 5);
        INDArray k = Nd4j.randn(DataType.DOUBLE, 6, 4);
        INDArray[] inputs = g.getNumInputArrays() == 2 ? new INDArray[]{a, k} : new INDArray[]{a};
        MultiDataSet data = new MultiDataSet(inputs, new INDArray[]{Nd4j.zeros(DataType.DOUBLE, 6, 1)});
        HandDerivedLossLayer loss = (HandDerivedLossLayer) g.getLayer("loss");
        g.setInputs(inputs);
        g.setLabels(Nd4j.zeros(DataType.DOUBLE, 6, 1));
        g.computeGradientAndScore();
        assertEquals(0, loss.scoresComputed, "the score of a training step is the loss found with its gradient");
        double stepScore = g.score();
        assertEquals(g.score(data), stepScore, 1e-12, "the same input scored afresh");
        assertEquals(1, loss.scoresComputed, "a new input is scored afresh");
        INDArray[] others = inputs.clone();
        others[0] = Nd4j.randn(DataType.DOUBLE, 6, 5);
        double otherScore = g.score(new MultiDataSet(others, data.getLabels()));
        assertEquals(2, loss.scoresComputed);
        assertNotEquals(stepScore, otherScore, 1e-6, "not a stale loss");
    }

    @Test
    void ntXentScoresOncePerStep() {
        assertScoredOncePerStep(graph(new NtXentLoss.Builder().temperature(0.5).build(), false));
    }

    @Test
    void infoNceScoresOncePerStep() {
        assertScoredOncePerStep(graph(new InfoNceLoss.Builder().temperature(0.2).queueSize(5).build(), true));
    }

    @Test
    void crossViewCosineLossesScoreOncePerStep() {
        assertScoredOncePerStep(graph(new ByolLoss.Builder().build(), true));
        assertScoredOncePerStep(graph(new NegativeCosineLoss.Builder().build(), true));
    }
}
