package io.github.dl4jssl.layers;

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

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.github.dl4jssl.layers.PairLossTestSupport.gradientCheck;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every preset of {@link MlpHead}: its forward pass computed by hand from the layer parameters, its layer names (those
 * saved models use), and a double-precision gradient check through it into NT-Xent.
 */
@ExtendWith(DoublePrecision.class)
class MlpHeadTest {

    /** BN running statistics are updated by DL4J through the gradient view; they are not gradients. */
    private static final Set<String> BN_STATISTICS = Set.of("h_bn1_mean", "h_bn1_log10stdev", "h_bn2_mean", "h_bn2_log10stdev");

    /** Input "in" [*, 6]; the head (6 -> 5 -> 3) reads it; NT-Xent on its output. */
    private static ComputationGraph headIntoNtXent(MlpHead head) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(11).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(6));
        String out = head.appendTo(b, "in", "h_");
        b.addLayer("loss", new NtXentLoss.Builder().temperature(0.5).build(), out).setOutputs("loss");
        return TestGraphs.initialized(b.build());
    }

    /** The head's output for x, computed from its parameters: fc1 (-> BN -> ReLU, or ReLU), fc2 (-> BN). */
    private static INDArray byHand(ComputationGraph g, MlpHead head, INDArray x) {
        if (head.hiddenSize() == 0) {
            return x.mmul(g.getLayer("h_fc").getParam("W")).addRowVector(g.getLayer("h_fc").getParam("b"));
        }
        INDArray h = x.mmul(g.getLayer("h_fc1").getParam("W"));
        if (head.batchNormHidden()) {
            assertNull(g.getLayer("h_fc1").getParam("b"), "the first linear layer has no bias (BN follows)");
            h = batchNorm(h, g.getLayer("h_bn1").getParam("gamma"), g.getLayer("h_bn1").getParam("beta"));
        } else {
            h.addiRowVector(g.getLayer("h_fc1").getParam("b"));
        }
        INDArray out = Transforms.relu(h, true).mmul(g.getLayer("h_fc2").getParam("W"));
        if (head.batchNormOutput()) {
            assertNull(g.getLayer("h_fc2").getParam("b"), "no bias before the output BN");
            return batchNorm(out, Nd4j.ones(DataType.DOUBLE, 1, out.size(1)), Nd4j.zeros(DataType.DOUBLE, 1, out.size(1)));
        }
        return out.addRowVector(g.getLayer("h_fc2").getParam("b"));
    }

    private static INDArray batchNorm(INDArray h, INDArray gamma, INDArray beta) {
        return h.subRowVector(h.mean(0)).divRowVector(Transforms.sqrt(h.var(false, 0).add(1e-5), true))
                .mulRowVector(gamma).addRowVector(beta);
    }

    private static final MlpHead PREDICTOR = MlpHead.predictor(5, 3);

    private static List<MlpHead> presets() {
        return List.of(MlpHead.projection(5, 3), MlpHead.projectionWithBnOutput(5, 3), PREDICTOR,
                MlpHead.mocoV2Mlp(5, 3), MlpHead.mocoV1Linear(3));
    }

    @Test
    void everyPresetComputesItsLayersByHandAndPassesTheGradientCheck() {
        for (MlpHead head : presets()) {
            ComputationGraph g = headIntoNtXent(head);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 6);
            Map<String, INDArray> acts = g.feedForward(new INDArray[]{x}, true, false);
            String out = head.appendTo(new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in"), "in", "h_");
            INDArray expected = byHand(g, head, x);
            assertArrayEquals(new long[]{8, 3}, acts.get(out).shape(), head.toString());
            assertTrue(expected.equalsWithEps(acts.get(out), 1e-9), head + ": output differs from the computation by hand");
            if (head != PREDICTOR) { // the same layers as the projection head's: one gradient check for both
                assertTrue(gradientCheck(g, new INDArray[]{x}, BN_STATISTICS), head.toString());
            }
        }
    }

    @Test
    void layerNamesAreThoseOfSavedModels() {
        assertEquals(List.of("h_fc1", "h_bn1", "h_relu1", "h_fc2"), names(MlpHead.projection(5, 3)));
        assertEquals(List.of("h_fc1", "h_bn1", "h_relu1", "h_fc2", "h_bn2"), names(MlpHead.projectionWithBnOutput(5, 3)));
        assertEquals(names(MlpHead.projection(5, 3)), names(MlpHead.predictor(5, 3)));
        assertEquals(List.of("h_fc1", "h_fc2"), names(MlpHead.mocoV2Mlp(5, 3)));
        assertEquals(List.of("h_fc"), names(MlpHead.mocoV1Linear(3)));
    }

    private static List<String> names(MlpHead head) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in");
        head.appendTo(b, "in", "h_");
        return List.copyOf(b.getVertices().keySet());
    }

    @Test
    void invalidSizesRejectedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MlpHead.projection(0, 3));
        assertTrue(e.getMessage().contains("hiddenSize") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MlpHead.projection(4, -2));
        assertTrue(e.getMessage().contains("outputSize") && e.getMessage().contains("-2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MlpHead(0, 3, true, false));
        assertTrue(e.getMessage().contains("hiddenSize") && e.getMessage().contains("without hidden layer"), e.getMessage());
    }
}
