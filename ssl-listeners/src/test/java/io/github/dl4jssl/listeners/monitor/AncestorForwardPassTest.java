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
}
