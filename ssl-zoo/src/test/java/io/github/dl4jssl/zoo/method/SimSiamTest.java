package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.NegativeCosineLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.List;

import static io.github.dl4jssl.zoo.method.MethodTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class SimSiamTest {

    private static SimSiam simsiam() {
        return new SimSiam.Builder().backbone(new SmallCnn(12, 12, 1))
                .projector(MlpHead.projectionWithBnOutput(128, 128))
                .updater(new Adam(3e-3)).seed(5).build();
    }

    @Test
    void sharedEncoderWiringNoTargetNoListenersAndJsonRoundTrip() {
        SimSiam s = simsiam();
        ComputationGraphConfiguration conf = jsonRoundTripped(s);
        // p and z come from the same online projector: z is the projector's BN output that the predictor reads
        assertEquals(List.of("predictor_fc2", "projector_bn2"), conf.getVertexInputs().get(SimSiam.PAIR));
        assertEquals(List.of("projector_bn2"), conf.getVertexInputs().get("predictor_fc1"));
        assertInstanceOf(NegativeCosineLoss.class,
                layerOf(conf, SimSiam.LOSS));
        assertFalse(conf.getVertices().keySet().stream().anyMatch(n -> n.startsWith(SslMethod.TARGET_PREFIX)));
        assertTrue(s.trainingListeners(100).isEmpty());
        assertEquals("simsiam", s.name());
        assertEquals(32, s.predictor().hiddenSize());
        SimSiam defaults = new SimSiam.Builder().backbone(new SmallCnn(12, 12, 1)).build();
        assertEquals(512, defaults.projector().outputSize());
        assertEquals(128, defaults.predictor().hiddenSize());
    }

    @Test
    void encoderIsTrainedThroughThePredictorPath() {
        ComputationGraph g = simsiam().init();
        DataSet batch = TwoViewIterator.builder(toyImages()).batchSize(8).pipeline(AugmentationPipeline.identity())
                .seed(3).build().next();
        Gradient gradient = assertNoTargetGradient(g, batch);
        assertTrue(gradient.getGradientFor("projector_fc1_W").norm2Number().doubleValue() > 0);
        assertTrue(gradient.getGradientFor("predictor_fc1_W").norm2Number().doubleValue() > 0);
    }

    @Test
    void trainsSavesRestoresAndExtractsBackbone(@TempDir File dir) throws Exception {
        SimSiam s = simsiam();
        ComputationGraph g = assertLossFalls(s, augmented(16), 3, false);
        double after = g.score(augmented(16).next());
        assertTrue(after >= -1.0 - 1e-5);

        assertSavedBackboneMatches(s, g, dir);
    }
}
