package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;
import java.util.Set;

import static io.github.dl4jssl.layers.PairLossTestSupport.gradientCheck;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class PredictorHeadTest {


    /** Inputs "in" [*, 6] -> predictor (6 -> 5 -> 3) and "z" [*, 3]; merge(p, z) -> BYOL loss. */
    private static ComputationGraph predictorWithByol() {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(11).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("in", "z")
                .setInputTypes(InputType.feedForward(6), InputType.feedForward(3));
        String p = new PredictorHead.Builder().hiddenSize(5).outputSize(3).build().appendTo(b, "pred_", "in");
        assertEquals("pred_fc2", p);
        b.addVertex("merge", new MergeVertex(), p, "z")
                .addLayer("loss", new ByolLoss.Builder().build(), "merge").setOutputs("loss");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @Test
    void forwardEqualsLinearBnReluLinearByHand() {
        ComputationGraph g = predictorWithByol();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 6);
        Map<String, INDArray> acts = g.feedForward(new INDArray[]{x, Nd4j.randn(DataType.DOUBLE, 8, 3)}, true, false);
        assertNull(g.getLayer("pred_fc1").getParam("b"), "the first linear layer has no bias (BN follows)");
        INDArray h = x.mmul(g.getLayer("pred_fc1").getParam("W"));
        INDArray bn = h.subRowVector(h.mean(0)).divRowVector(Transforms.sqrt(h.var(false, 0).add(1e-5), true))
                .mulRowVector(g.getLayer("pred_bn1").getParam("gamma")).addRowVector(g.getLayer("pred_bn1").getParam("beta"));
        INDArray expected = Transforms.relu(bn, true).mmul(g.getLayer("pred_fc2").getParam("W"))
                .addRowVector(g.getLayer("pred_fc2").getParam("b"));
        assertTrue(expected.equalsWithEps(acts.get("pred_fc2"), 1e-9), "predictor output differs from Linear-BN-ReLU-Linear");
        assertArrayEquals(new long[]{8, 3}, acts.get("pred_fc2").shape());
    }

    @Test
    void gradientCheckThroughPredictorIntoByol() {
        ComputationGraph g = predictorWithByol();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 6);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 8, 3);
        // BN running statistics are updated by DL4J through the gradient view; they are not gradients
        assertTrue(gradientCheck(g, new INDArray[]{x, z}, Set.of("pred_bn1_mean", "pred_bn1_log10stdev")));
    }

    @Test
    void invalidSizesRejected() {
        assertThrows(IllegalArgumentException.class, () -> new PredictorHead.Builder().hiddenSize(0));
        assertThrows(IllegalArgumentException.class, () -> new PredictorHead.Builder().outputSize(-2));
    }
}
