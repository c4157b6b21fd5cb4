package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.ByolLoss;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.data.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.List;
import java.util.Map;

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
        ComputationGraphConfiguration conf = byol.configuration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertEquals(List.of("predictor_fc2", "target_projector_fc2"), conf.getVertexInputs().get(Byol.PAIR));
        assertInstanceOf(ByolLoss.class, ((LayerVertex) conf.getVertices().get(Byol.LOSS)).getLayerConf().getLayer());
        assertInstanceOf(TrainModeFrozenLayer.class,
                ((LayerVertex) conf.getVertices().get("target_backbone_conv1")).getLayerConf().getLayer());
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
        Byol byol = byol(0.5);
        ComputationGraph g = byol.init();
        List<TrainingListener> listeners = byol.trainingListeners(50);
        g.setListeners(listeners);
        DataSet batch = TwoViewIterator.builder(toyImages()).batchSize(8).pipeline(AugmentationPipeline.identity())
                .seed(3).build().next();
        assertNoTargetGradient(g, batch);
        Map<String, INDArray> target = params(g, Byol.TARGET_PREFIX);
        Map<String, INDArray> online = params(g, Byol.BACKBONE_PREFIX);
        g.fit(batch);
        assertOnlineMoved(online, g);
        assertEquals(0.5, ((EmaTargetListener) listeners.get(0)).getCurrentMomentum(), 0.0);
        assertEmaStep(g, target, 0.5);
    }

    @Test
    void trainsWithListenersSavesRestoresAndExtractsBackbone(@TempDir File dir) throws Exception {
        Byol byol = byol(0.99);
        TwoViewIterator it = augmented(16);
        ComputationGraph g = byol.init();
        g.setListeners(byol.trainingListeners(3L * it.batchesPerEpoch()));
        DataSet first = it.next();
        double before = g.score(first);
        g.fit(it, 3);
        double after = g.score(first);
        assertTrue(finite(after));
        assertTrue(after < before, "BYOL loss should fall: " + before + " -> " + after);

        ComputationGraph back = assertSaveRestore(g, dir);
        INDArray x = toyImages().features().get(NDArrayIndex.interval(0, 8));
        INDArray expected = g.feedForward(x, false).get(byol.backboneOutput());
        ComputationGraph backbone = BackboneGraph.extract(back, byol.backbone(), Byol.BACKBONE_PREFIX);
        assertTrue(expected.equalsWithEps(backbone.outputSingle(x), 1e-5));
    }
}
