package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.VisionTransformer;
import io.github.dl4jssl.zoo.backbone.VitTiny;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.Map;

import static io.github.dl4jssl.zoo.method.MethodTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** MoCo v3 on a tiny ViT (12x12 images, patch 4, width 8, depth 1): AdamW schedule, frozen patch projection. */
class MocoV3VitTest {

    private static MocoV3 mocov3(boolean freeze, long totalIterations) {
        VisionTransformer vit = VitTiny.builder(12, 12, 1).embedDim(8).depth(1).heads(2).mlpRatio(2)
                .freezePatchEmbedding(freeze).build();
        return new MocoV3.Builder().backbone(vit)
                .projector(MlpHead.projectionWithBnOutput(16, 8))
                .predictor(MlpHead.predictor(16, 8))
                .adamW(5e-3, 2, totalIterations).seed(5).build();
    }

    @Test
    void adamWWithWarmupCosineInTheConfiguration() {
        MocoV3 m = mocov3(false, 10);
        ComputationGraphConfiguration conf = m.configuration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf.toJson(), back.toJson());
        Adam adam = (Adam) m.init().getLayer("backbone_block0").conf().getLayer().getUpdaterByParam("Wq");
        assertEquals(new WarmupCosineSchedule(5e-3, 2, 10), adam.getLearningRateSchedule());
        assertEquals(0.2, m.temperature());
        assertEquals(0.99, m.momentum());
    }

    @Test
    void trainsWithFrozenPatchProjectionAndRoundTrips(@TempDir File dir) throws Exception {
        TwoViewIterator it = augmented(16);
        long total = 2L * it.batchesPerEpoch();
        MocoV3 m = mocov3(true, total);
        ComputationGraph g = m.init();
        g.setListeners(m.trainingListeners(total));
        Map<String, INDArray> patch0 = params(g, "backbone_patch");
        Map<String, INDArray> blocks0 = params(g, "backbone_block");
        Map<String, INDArray> targetPatch0 = params(g, "target_backbone_patch");
        g.fit(it, 2);
        assertTrue(finite(g.score()));
        assertEquals(patch0, params(g, "backbone_patch"), "the frozen patch projection must not change");
        assertEquals(targetPatch0, params(g, "target_backbone_patch"), "its momentum copy neither");
        assertOnlineMoved(blocks0, g);
        for (Map.Entry<String, INDArray> e : blocks0.entrySet()) {
            assertNotEquals(e.getValue(), params(g, "backbone_block").get(e.getKey()), e.getKey() + " did not train");
        }

        ComputationGraph back = assertSaveRestore(g, dir);
        INDArray x = toyImages().features().get(NDArrayIndex.interval(0, 8));
        INDArray expected = g.feedForward(x, false).get(m.backboneOutput());
        ComputationGraph backbone = BackboneGraph.extract(back, m.backbone(), MocoV3.BACKBONE_PREFIX);
        assertTrue(expected.equalsWithEps(backbone.outputSingle(x), 1e-5));
    }

    @Test
    void trainablePatchProjectionTrains() {
        TwoViewIterator it = augmented(16);
        MocoV3 m = mocov3(false, it.batchesPerEpoch());
        ComputationGraph g = m.init();
        g.setListeners(m.trainingListeners(it.batchesPerEpoch()));
        Map<String, INDArray> patch0 = params(g, "backbone_patch");
        g.fit(it);
        assertNotEquals(patch0.get("backbone_patch/W"), params(g, "backbone_patch").get("backbone_patch/W"));
    }
}
