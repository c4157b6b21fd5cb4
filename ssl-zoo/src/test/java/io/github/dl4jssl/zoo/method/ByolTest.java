package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.ByolLoss;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.List;

import static io.github.dl4jssl.zoo.method.MethodTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class ByolTest {

    private static Byol byol(double baseMomentum) {
        return new Byol.Builder().backbone(new SmallCnn(12, 12, 1)).momentum(baseMomentum)
                .updater(new Adam(3e-3)).weightDecay(1e-3).seed(5).build();
    }

    @Test
    void configurationWiringAndJsonRoundTrip() {
        Byol byol = byol(0.996);
        ComputationGraphConfiguration conf = jsonRoundTripped(byol);
        assertEquals(List.of("predictor_fc2", "target_projector_fc2"), conf.getVertexInputs().get(Byol.PAIR));
        assertInstanceOf(ByolLoss.class, layerOf(conf, Byol.LOSS));
        assertInstanceOf(TrainModeFrozenLayer.class,
                layerOf(conf, "target_backbone_conv1"));
        assertEquals(List.of(Byol.INPUT), conf.getVertexInputs().get("target_backbone_conv1"));
        assertFalse(conf.getVertices().keySet().stream().anyMatch(n -> n.startsWith("target_predictor")));
        assertEquals("byol", byol.name());
        assertEquals(0.996, byol.momentumSchedule(100).momentum(0), 1e-12);
        assertEquals(1.0, byol.momentumSchedule(100).momentum(100), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new Byol.Builder().backbone(new SmallCnn(12, 12, 1))
                .predictor(io.github.dl4jssl.layers.MlpHead.predictor(512, 64)).build());
    }

    @Test
    void initCopiesOnlineIntoTarget() {
        ComputationGraph g = byol(0.996).init();
        assertTrue(assertTargetEqualsOnline(g) >= 10);
    }

    @Test
    void oneIterationIsExactEmaAndTargetGetsNoGradient() {
        assertOneExactEmaStep(byol(0.5), 0.5, layer -> 0.5);
    }

    @Test
    void trainsWithListenersSavesRestoresAndExtractsBackbone(@TempDir File dir) throws Exception {
        Byol byol = byol(0.99);
        ComputationGraph g = assertLossFalls(byol, augmented(16), 3, false);

        assertSavedBackboneMatches(byol, g, dir);
    }
}
