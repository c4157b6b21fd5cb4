package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.backbone.ResNet18Cifar;
import io.github.dl4jssl.zoo.data.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
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

class MocoV3Test {

    /** A tiny ResNet-18 (widths 4-8-16-32) on 12x12x1. */
    private static MocoV3 mocov3(double baseMomentum) {
        return mocov3(new ResNet18Cifar(12, 12, 1, 4), baseMomentum);
    }

    private static MocoV3 mocov3(Backbone backbone, double baseMomentum) {
        return new MocoV3.Builder().backbone(backbone).momentum(baseMomentum)
                .projector(MlpHead.projectionWithBnOutput(64, 32))
                .predictor(MlpHead.predictor(64, 32))
                .updater(new Adam(3e-3)).weightDecay(1e-3).seed(5).build();
    }

    @Test
    void configurationWiringAndJsonRoundTrip() {
        MocoV3 m = mocov3(0.99);
        ComputationGraphConfiguration conf = m.configuration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertEquals(List.of("predictor_fc2", "target_projector_bn2"), conf.getVertexInputs().get(MocoV3.PAIR));
        InfoNceLoss loss = (InfoNceLoss) ((LayerVertex) conf.getVertices().get(MocoV3.LOSS)).getLayerConf().getLayer();
        assertEquals(0.2, loss.getTemperature());
        assertEquals(0, loss.getQueueSize());
        assertTrue(loss.isBatchNegatives() && loss.isSymmetric() && loss.isScaleByTwoTemperature());
        // residual vertices are copied into the momentum encoder, layers are frozen train-mode copies
        assertInstanceOf(ElementWiseVertex.class, ((FrozenVertex) conf.getVertices().get("target_backbone_stage2_block0_add")).getUnderlying());
        assertEquals(List.of("target_backbone_stage2_block0_bn2", "target_backbone_stage2_block0_shortcut_bn"),
                conf.getVertexInputs().get("target_backbone_stage2_block0_add"));
        assertInstanceOf(TrainModeFrozenLayer.class,
                ((LayerVertex) conf.getVertices().get("target_backbone_stem_conv")).getLayerConf().getLayer());
        assertFalse(conf.getVertices().keySet().stream().anyMatch(n -> n.startsWith("target_predictor")));
        assertEquals("mocov3", m.name());
        assertEquals(0.99, m.momentumSchedule(10).momentum(0), 1e-12);
        assertEquals(1.0, m.momentumSchedule(10).momentum(10), 1e-12);
        MocoV3 defaults = new MocoV3.Builder().backbone(new ResNet18Cifar(12, 12, 1, 4)).build();
        assertEquals(0.2, defaults.temperature());
        assertEquals(0.99, defaults.momentum());
    }

    @Test
    void initOneExactEmaStepAndNoTargetGradient() {
        MocoV3 m = mocov3(0.6);
        ComputationGraph g = m.init();
        assertTrue(assertTargetEqualsOnline(g) > 40);
        List<TrainingListener> listeners = m.trainingListeners(20);
        g.setListeners(listeners);
        DataSet batch = TwoViewIterator.builder(toyImages()).batchSize(8).pipeline(AugmentationPipeline.identity())
                .seed(3).build().next();
        assertNoTargetGradient(g, batch);
        Map<String, INDArray> target = params(g, MocoV3.TARGET_PREFIX);
        Map<String, INDArray> online = params(g, MocoV3.BACKBONE_PREFIX);
        g.fit(batch);
        assertOnlineMoved(online, g);
        assertEquals(0.6, ((EmaTargetListener) listeners.get(0)).getCurrentMomentum(), 0.0);
        assertEmaStep(g, target, 0.6);
    }

    @Test
    void trainsWithListenersSavesRestoresAndExtractsBackbone(@TempDir File dir) throws Exception {
        // the tiny ResNet is exercised above; a SmallCnn keeps the training run short on a shared CPU
        MocoV3 m = mocov3(new SmallCnn(12, 12, 1), 0.9);
        TwoViewIterator it = augmented(16);
        ComputationGraph g = m.init();
        g.setListeners(m.trainingListeners(4L * it.batchesPerEpoch()));
        DataSet first = it.next();
        double before = g.score(first, true);
        g.fit(it, 4);
        double after = g.score(first, true);
        assertTrue(finite(after));
        assertTrue(after < before, "MoCo v3 loss should fall: " + before + " -> " + after);

        ComputationGraph back = assertSaveRestore(g, dir);
        INDArray x = toyImages().features().get(NDArrayIndex.interval(0, 8));
        INDArray expected = g.feedForward(x, false).get(m.backboneOutput());
        ComputationGraph backbone = BackboneGraph.extract(back, m.backbone(), MocoV3.BACKBONE_PREFIX);
        assertTrue(expected.equalsWithEps(backbone.outputSingle(x), 1e-5));
    }
}
