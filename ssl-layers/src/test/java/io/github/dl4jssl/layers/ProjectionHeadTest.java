package io.github.dl4jssl.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
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

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class ProjectionHeadTest {


    private static ComputationGraph headWithLoss(boolean bnOut) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(6));
        String out = new ProjectionHead.Builder().hiddenSize(5).outputSize(3).batchNormOutput(bnOut).build()
                .appendTo(b, "proj_", "in");
        b.addLayer("loss", new NtXentLoss.Builder().temperature(0.5).build(), out).setOutputs("loss");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @Test
    void forwardEqualsLinearBnReluLinearByHand() {
        ComputationGraph g = headWithLoss(false);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 6);
        Map<String, INDArray> acts = g.feedForward(new INDArray[]{x}, true, false);
        INDArray w1 = g.getLayer("proj_fc1").getParam("W");
        INDArray h = x.mmul(w1);
        INDArray mean = h.mean(0);
        INDArray var = h.var(false, 0);
        INDArray gamma = g.getLayer("proj_bn1").getParam("gamma");
        INDArray beta = g.getLayer("proj_bn1").getParam("beta");
        INDArray bn = h.subRowVector(mean).divRowVector(Transforms.sqrt(var.add(1e-5), true))
                .mulRowVector(gamma).addRowVector(beta);
        INDArray expected = Transforms.relu(bn, true).mmul(g.getLayer("proj_fc2").getParam("W"))
                .addRowVector(g.getLayer("proj_fc2").getParam("b"));
        assertTrue(expected.equalsWithEps(acts.get("proj_fc2"), 1e-9), "head output differs from Linear-BN-ReLU-Linear");
        assertEquals(3, acts.get("proj_fc2").size(1));
    }

    @Test
    void gradientCheckHeadAndNtXent() {
        for (boolean bnOut : new boolean[]{false, true}) {
            ComputationGraph g = headWithLoss(bnOut);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 6);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{x}).labels(new INDArray[]{Nd4j.zeros(DataType.DOUBLE, 8, 1)})
                    .epsilon(1e-6).maxRelError(1e-4).minAbsoluteError(1e-8)
                    // BN running statistics are updated by DL4J through the gradient view; they are not gradients
                    .excludeParams(java.util.Set.of("proj_bn1_mean", "proj_bn1_log10stdev", "proj_bn2_mean", "proj_bn2_log10stdev"))),
                    "bnOutput=" + bnOut);
        }
    }

    @Test
    void invalidSizesRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ProjectionHead.Builder().hiddenSize(0));
        assertThrows(IllegalArgumentException.class, () -> new ProjectionHead.Builder().outputSize(-1));
    }
}
