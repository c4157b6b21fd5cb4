package io.github.dl4jssl.pretrained;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped backbones load from the classpath, by name and as DL4J zoo models, and match their cards. */
class PretrainedTest {
    private static final String SIMCLR = "simclr-small-cnn-fashion-mnist";

    @Test
    void everyListedBackboneHasACardOfItsNameAndLoads() throws Exception {
        List<String> names = Pretrained.names();
        assertTrue(names.contains(SIMCLR), names.toString());
        for (PretrainedCard card : Pretrained.list()) {
            assertTrue(names.contains(card.name()), card.name());
            assertTrue(card.evaluation().knnTop1() > card.evaluation().rawPixelKnnTop1(),
                    card.name() + " is shipped only because its kNN beats the raw pixels: " + card.describe());
            ComputationGraph graph = Pretrained.backbone(card.name());
            assertEquals(1, graph.getNumInputArrays());
            assertEquals(1, graph.getNumOutputArrays());
            INDArray images = images(card, 3);
            assertArrayEquals(new long[]{3, card.featureSize()}, graph.outputSingle(false, images).shape());
            try (var in = Pretrained.weights(card.name()).openStream()) {
                assertEquals(card.sizeBytes(), in.readAllBytes().length, "the card states the weights' size");
            }
        }
    }

    @Test
    void anUnknownNameIsRefusedWithTheShippedNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pretrained.backbone("simclr-resnet50"));
        assertTrue(e.getMessage().contains("simclr-resnet50") && e.getMessage().contains(SIMCLR), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PretrainedZooModel.of("nope"));
        assertTrue(e.getMessage().contains(SIMCLR), e.getMessage());
    }

    @Test
    void eachCallGivesAFreshGraph() throws Exception {
        ComputationGraph a = Pretrained.backbone(SIMCLR);
        ComputationGraph b = Pretrained.backbone(SIMCLR);
        assertEquals(a.params(), b.params());
        a.params().addi(1);
        assertNotEquals(a.params(), b.params());
    }

    @Test
    void theZooModelLoadsTheShippedWeightsAndDescribesThem() throws Exception {
        PretrainedZooModel zoo = PretrainedZooModel.of(SIMCLR);
        PretrainedCard card = Pretrained.card(SIMCLR);
        ComputationGraph pretrained = (ComputationGraph) zoo.initPretrained();
        assertEquals(Pretrained.backbone(SIMCLR).params(), pretrained.params());
        assertEquals(pretrained.params(), ((ComputationGraph) zoo.initPretrained(PretrainedType.MNIST)).params());
        assertTrue(zoo.pretrainedAvailable(PretrainedType.MNIST));
        assertFalse(zoo.pretrainedAvailable(PretrainedType.IMAGENET));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> zoo.initPretrained(PretrainedType.IMAGENET));
        assertTrue(e.getMessage().contains("MNIST"), e.getMessage());

        ModelMetaData meta = zoo.metaData();
        assertArrayEquals(new int[]{1, 28, 28}, meta.getInputShape()[0]);
        assertEquals(card.featureSize(), meta.getNumOutputs());
        assertEquals(ZooType.CNN, meta.getZooType());
        assertEquals(SIMCLR, zoo.modelName());
        assertEquals(ComputationGraph.class, zoo.modelType());
        assertTrue(zoo.pretrainedUrl(PretrainedType.MNIST).endsWith(SIMCLR + ".zip"));
        assertNotEquals(0L, zoo.pretrainedChecksum(PretrainedType.MNIST));

        ComputationGraph random = zoo.init();
        assertEquals(pretrained.numParams(), random.numParams(), "init(): the same architecture");
        assertNotEquals(pretrained.params(), random.params(), "init(): fresh weights");
        zoo.setInputShape(new int[][]{{1, 28, 28}});
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> zoo.setInputShape(new int[][]{{3, 32, 32}}));
        assertTrue(wrong.getMessage().contains("[1, 28, 28]"), wrong.getMessage());
    }

    private static INDArray images(PretrainedCard card, int n) {
        List<Integer> s = card.inputShape();
        return Nd4j.rand(DataType.FLOAT, n, s.get(0), s.get(1), s.get(2));
    }
}
