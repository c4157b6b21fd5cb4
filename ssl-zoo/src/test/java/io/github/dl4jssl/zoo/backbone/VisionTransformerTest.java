package io.github.dl4jssl.zoo.backbone;

import io.github.dl4jssl.layers.vit.PatchEmbedding;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class VisionTransformerTest {

    @Test
    void presetsHaveThePaperSizes() {
        VisionTransformer tiny = VitTiny.create(32, 32, 3);
        assertEquals(List.of(4, 192, 12, 3), List.of(tiny.patchSize(), tiny.featureSize(), tiny.depth(), tiny.heads()));
        assertEquals(4, VitTiny.create(28, 28, 1).patchSize());
        VisionTransformer small = VitSmall.create(224, 224, 3);
        assertEquals(List.of(16, 384, 12, 6), List.of(small.patchSize(), small.featureSize(), small.depth(), small.heads()));
        assertEquals(4, VitSmall.create(28, 28, 1).patchSize(), "28x28 is not divisible by 16");
        assertEquals(4, VitSmall.create(32, 32, 3).patchSize(), "32x32 is too small for 16x16 patches");
        assertEquals("vit-tiny", Backbones.byName("vit-tiny", 28, 28, 1).name());
        assertEquals(384, Backbones.byName("ViT-Small", 32, 32, 3).featureSize());
        assertTrue(Backbones.NAMES.containsAll(List.of("vit-tiny", "vit-small")));
    }

    @Test
    void tinyVariantOutputsTheClassTokenFeatureForAnyBatchSize() {
        VisionTransformer vit = VitTiny.builder(8, 8, 1).embedDim(8).depth(2).heads(2).build();
        ComputationGraph g = new ComputationGraph(vit.standalone(1));
        g.init();
        assertEquals(8, vit.featureSize());
        for (int batch : new int[] {1, 3}) {
            INDArray out = g.outputSingle(Nd4j.rand(DataType.FLOAT, batch, 1, 8, 8));
            assertArrayEquals(new long[] {batch, 8}, out.shape());
        }
        assertNotNull(g.getLayer("backbone_block1"));
        assertFalse(((PatchEmbedding) ((LayerVertex) g.getConfiguration().getVertices().get("backbone_patch"))
                .getLayerConf().getLayer()).isFrozen());
        VisionTransformer frozen = vit.toBuilder().freezePatchEmbedding(true).build();
        assertTrue(frozen.patchEmbeddingFrozen());
        ComputationGraph fg = new ComputationGraph(frozen.standalone(1));
        fg.init();
        assertTrue(((PatchEmbedding) fg.getLayer("backbone_patch").conf().getLayer()).isFrozen());
    }

    @Test
    void sizesThatDoNotFitAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VitTiny.builder(28, 28, 1).patchSize(8).build());
        assertTrue(e.getMessage().contains("not divisible by the patch size 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VitTiny.builder(28, 28, 1).embedDim(64).heads(3).build());
        assertTrue(e.getMessage().contains("not divisible by 3 heads"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VitTiny.builder(28, 28, 1).depth(0));
    }

}
