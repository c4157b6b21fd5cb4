package io.github.dl4jssl.listeners.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class FineTuneTest {

    /** 3 classes of 8x8 images: a bright row at a class-specific height, plus noise. */
    static INDArray images(int[] labels, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, labels.length, 1, 8, 8).muli(0.3);
        for (int i = 0; i < labels.length; i++) {
            x.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.point(1 + 3 * labels[i]), NDArrayIndex.all())
                    .addi(1.0);
        }
        return x;
    }

    /** n labels of 3 classes: (i * step) % 3. */
    static int[] labels(int n, int step) {
        return java.util.stream.IntStream.range(0, n).map(i -> (i * step) % 3).toArray();
    }

    @Test
    void fineTunedBackboneLearnsTheClassesAndTheOriginalIsUntouched() {
        ComputationGraph backbone = new ComputationGraph(new SmallCnn(8, 8, 1).standalone(3));
        backbone.init();
        INDArray before = backbone.params().dup();
        int[] train = labels(90, 1);
        int[] test = labels(30, 7);
        FineTune ft = new FineTune(4, 16, 3e-3, 1);
        FineTune.Result r = ft.evaluate(backbone, images(train, 1), train, images(test, 2), test, 3);
        assertTrue(r.top1() > 0.9, "three easy classes: " + r);
        assertEquals(1.0, r.top5(), "3 classes: top-5 covers all");
        assertEquals(before, backbone.params(), "the given backbone is not changed");

        ComputationGraph net = ft.classifier(backbone, 3, images(train, 1).get(NDArrayIndex.interval(0, 1)));
        assertEquals(backbone.numParams() + 128 * 3 + 3, net.numParams());
        assertTrue(net.getLayer(FineTune.CLASSIFIER) != null);
        INDArray conv = net.getLayer("backbone_conv1").params().dup();
        net.fit(new org.nd4j.linalg.dataset.DataSet(images(train, 1).get(NDArrayIndex.interval(0, 8)),
                Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2, 0, 1).castTo(DataType.FLOAT)));
        assertNotEquals(conv, net.getLayer("backbone_conv1").params(), "the backbone is trained, not frozen");
    }

    @Test
    void augmentationReplacesEveryTrainingImageByItsViewEachEpoch() {
        ComputationGraph backbone = new ComputationGraph(new SmallCnn(8, 8, 1).standalone(3));
        backbone.init();
        int[] train = labels(90, 1);
        int[] test = labels(30, 7);
        FineTune oneEpoch = new FineTune(1, 16, 3e-3, 1);
        FineTune.Result reference = oneEpoch.evaluate(backbone, images(train, 1), train, images(test, 2), test, 3);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        FineTune.Result identity = oneEpoch.withAugmentation((chw, c, h, w, rnd) -> {
            calls.incrementAndGet();
            assertEquals(1 * 8 * 8, chw.length);
            return chw;
        }).evaluate(backbone, images(train, 1), train, images(test, 2), test, 3);
        assertEquals(1 + 90, calls.get(), "the shape check before training, then one view per image and epoch");
        assertEquals(reference, identity, "identity views train exactly as no augmentation");
        // views that erase the image leave nothing to learn: the settings that reach > 0.9 without augmentation
        // (fineTunedBackboneLearnsTheClassesAndTheOriginalIsUntouched) stay at chance level
        FineTune.Result erased = new FineTune(4, 16, 3e-3, 1).withAugmentation((chw, c, h, w, rnd) -> new float[chw.length])
                .evaluate(backbone, images(train, 1), train, images(test, 2), test, 3);
        assertTrue(erased.top1() < 0.6, "erased views: " + erased);
    }

    @Test
    void augmentationThatChangesTheImageSizeIsRefusedBeforeTraining() {
        ComputationGraph backbone = new ComputationGraph(new SmallCnn(8, 8, 1).standalone(3));
        backbone.init();
        FineTune ft = new FineTune(1, 4, 1e-3, 1).withAugmentation(
                io.github.dl4jssl.zoo.transforms.AugmentationPipeline.builder().randomResizedCrop(6, 0.5, 1).build()::apply);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ft.evaluate(backbone,
                Nd4j.rand(DataType.FLOAT, 4, 1, 8, 8), new int[4], Nd4j.rand(DataType.FLOAT, 2, 1, 8, 8), new int[2], 3));
        assertTrue(e.getMessage().contains("1x8x8") && e.getMessage().contains("views of 36 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FineTune(1, 4, 1e-3, 1).withAugmentation(null));
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> new FineTune(0, 16, 1e-3, 1));
        ComputationGraph backbone = new ComputationGraph(new SmallCnn(8, 8, 1).standalone(3));
        backbone.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FineTune(1, 4, 1e-3, 1)
                .evaluate(backbone, Nd4j.rand(DataType.FLOAT, 4, 3, 8, 8), new int[4], Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8),
                        new int[2], 3));
        assertTrue(e.getMessage().contains("1 channel(s)") && e.getMessage().contains("3x8x8"), e.getMessage());
    }
}
