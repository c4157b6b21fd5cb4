package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.backbone.ResNet18Cifar;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.List;

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
        ComputationGraphConfiguration conf = jsonRoundTripped(m);
        assertEquals(List.of("predictor_fc2", "target_projector_bn2"), conf.getVertexInputs().get(MocoV3.PAIR));
        InfoNceLoss loss = (InfoNceLoss) layerOf(conf, MocoV3.LOSS);
        assertEquals(0.2, loss.getTemperature());
        assertEquals(0, loss.getQueueSize());
        assertTrue(loss.isBatchNegatives() && loss.isSymmetric() && loss.isScaleByTwoTemperature());
        // residual vertices are copied into the momentum encoder, layers are frozen train-mode copies
        assertInstanceOf(ElementWiseVertex.class, ((FrozenVertex) conf.getVertices().get("target_backbone_stage2_block0_add")).getUnderlying());
        assertEquals(List.of("target_backbone_stage2_block0_bn2", "target_backbone_stage2_block0_shortcut_bn"),
                conf.getVertexInputs().get("target_backbone_stage2_block0_add"));
        assertInstanceOf(TrainModeFrozenLayer.class,
                layerOf(conf, "target_backbone_stem_conv"));
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
        assertTrue(assertTargetEqualsOnline(m.init()) > 40);
        assertOneExactEmaStep(m, 0.6, layer -> 0.6);
    }

    @Test
    void trainsWithListenersSavesRestoresAndExtractsBackbone(@TempDir File dir) throws Exception {
        // the tiny ResNet is exercised above; a SmallCnn keeps the training run short on a shared CPU
        MocoV3 m = mocov3(new SmallCnn(12, 12, 1), 0.9);
        ComputationGraph g = assertLossFalls(m, augmented(16), 4, true);

        assertSavedBackboneMatches(m, g, dir);
    }
}
