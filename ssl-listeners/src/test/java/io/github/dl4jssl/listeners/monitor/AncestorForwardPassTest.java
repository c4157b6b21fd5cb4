package io.github.dl4jssl.listeners.monitor;

import io.github.dl4jssl.layers.NtXentLoss;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The forward pass through the wanted vertices only: exact activations, and the loss after them never fed. */
class AncestorForwardPassTest {

    /** in -> a (dense 3, tanh) -> b (dense 2, identity) -> NT-Xent loss, which refuses an odd number of rows. */
    private static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(3).nOut(2).activation(Activation.IDENTITY).build(), "a")
                .addLayer("loss", new NtXentLoss.Builder().temperature(0.5).build(), "b")
                .setOutputs("loss").build());
        g.init();
        return g;
    }

    @Test
    void oddBatchGivesTheActivationsComputedByHand() {
        ComputationGraph g = graph();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 4);
        assertThrows(IllegalArgumentException.class, () -> g.feedForward(x, false), "DL4J's pass feeds the loss 3 rows");

        Map<String, INDArray> acts = AncestorForwardPass.activations(g, new INDArray[] {x}, "b");
        INDArray a = Nd4j.math().tanh(x.mmul(g.getParam("a_W")).addRowVector(g.getParam("a_b")));
        INDArray b = a.mmul(g.getParam("b_W")).addRowVector(g.getParam("b_b"));
        assertEquals(a, acts.get("a"));
        assertEquals(b, acts.get("b"));
        assertFalse(acts.containsKey("loss"), "the loss is not computed");
        assertNull(g.getLayer("loss").input(), "nor given an input");

        INDArray even = Nd4j.rand(DataType.DOUBLE, 4, 4);
        assertEquals(g.feedForward(even, false).get("b"), AncestorForwardPass.activations(g, new INDArray[] {even}, "b").get("b"),
                "the same as DL4J's pass where that one works");
    }

    @Test
    void theSubGraphGivesTheSameActivationsWithTrainedBatchNormStatisticsAndLeavesTheGraphAlone() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(new org.nd4j.linalg.learning.config.Sgd(0.1)).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().nOut(3).build(), "a")
                .addLayer("b", new DenseLayer.Builder().nIn(3).nOut(2).activation(Activation.IDENTITY).build(), "bn")
                .addLayer("loss", new NtXentLoss.Builder().temperature(0.5).build(), "b")
                .setOutputs("loss").build());
        g.init();
        for (int i = 0; i < 5; i++) { // moves the weights and the batch-norm running statistics away from their start
            g.fit(new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.rand(DataType.DOUBLE, 6, 4).muli(3),
                    Nd4j.zeros(DataType.DOUBLE, 6, 2)));
        }
        INDArray before = g.params().dup();
        ComputationGraph toBn = AncestorForwardPass.subGraph(g, "bn"), toB = AncestorForwardPass.subGraph(g, "b");
        assertEquals(java.util.List.of("b"), toB.getConfiguration().getNetworkOutputs());
        assertNull(toB.getVertex("loss"), "the loss is not in the sub-graph");
        assertNull(toBn.getVertex("b"));
        for (int n : new int[] {3, 4}) { // odd too: no loss sees it
            INDArray x = Nd4j.rand(DataType.DOUBLE, n, 4);
            Map<String, INDArray> expected = AncestorForwardPass.activations(g, new INDArray[] {x}, "bn", "b");
            // DL4J 1.0.0-M2.1 cannot run a graph whose output is a batch-norm layer; VertexActivations falls back
            assertThrows(org.nd4j.linalg.workspace.ND4JWorkspaceException.class, () -> toBn.outputSingle(false, x));
            // the same values to rounding (DL4J's output runs batch norm as one fused op)
            INDArray viaSub = toB.outputSingle(false, x);
            assertTrue(expected.get("b").equalsWithEps(viaSub, 1e-12), "sub-graph output " + viaSub.dataType() + " " + toB.params().dataType() + " max diff " + expected.get("b").sub(viaSub.castTo(DataType.DOUBLE)).amaxNumber());
            Map<String, INDArray> both = VertexActivations.extract(g, new INDArray[] {x}, 2, "bn", "b");
            assertTrue(expected.get("bn").equalsWithEps(both.get("bn"), 1e-12));
            assertTrue(expected.get("b").equalsWithEps(both.get("b"), 1e-12));
        }
        assertEquals(before, g.params(), "the graph's parameters are untouched");
        assertNotNull(g.getVertex("loss"));
        assertNull(AncestorForwardPass.subGraph(g, "in"), "an input vertex cannot be a sub-graph output");
    }
}
