package io.github.dl4jssl.listeners.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class KnnClassifierTest {

    @Test
    void matchesBruteForceOnRandomData() {
        Random rnd = new Random(123);
        int classes = 5;
        double[][] train = KnnReference.gaussian(rnd, 200, 16);
        double[][] test = KnnReference.gaussian(rnd, 50, 16);
        int[] labels = rnd.ints(200, 0, classes).toArray();
        for (int k : new int[] {1, 10, 200}) {
            int[] expected = KnnReference.predict(train, labels, test, classes, k, 0.1);
            // chunk size 16 does not divide 50: exercises the last partial chunk
            KnnClassifier knn = new KnnClassifier(Nd4j.create(train).castTo(DataType.FLOAT), labels, classes, k,
                    0.1, 16);
            assertArrayEquals(expected, knn.predict(Nd4j.create(test)), "k=" + k);
        }
        // with default chunking too
        int[] expected = KnnReference.predict(train, labels, test, classes, 10, 0.5);
        assertArrayEquals(expected,
                KnnClassifier.evaluate(Nd4j.create(train), labels, Nd4j.create(test), new int[50], 10, 0.5)
                        .predictions());
    }

    @Test
    void obviousHandMadeCase() {
        // class 0 around +x, class 1 around +y, class 2 around -x; scale does not matter (cosine)
        INDArray train = Nd4j.createFromArray(new float[][] {
                {1f, 0.1f}, {5f, -0.2f}, {2f, 0.05f},
                {0.1f, 1f}, {-0.1f, 3f},
                {-1f, 0f}, {-4f, 0.3f}});
        int[] labels = {0, 0, 0, 1, 1, 2, 2};
        INDArray test = Nd4j.createFromArray(new float[][] {{10f, 0f}, {0f, 0.01f}, {-2f, -0.1f}});
        KnnClassifier knn = new KnnClassifier(train, labels, 3, 3, 0.1, 2);
        KnnClassifier.KnnResult r = knn.evaluate(test, new int[] {0, 1, 2});
        assertArrayEquals(new int[] {0, 1, 2}, r.predictions());
        assertEquals(1.0, r.top1());
        assertEquals(1.0, r.top5());
        // with one wrong label: top-1 2/3, top-5 (= all 3 classes) still 1
        KnnClassifier.KnnResult wrong = knn.evaluate(test, new int[] {0, 1, 0});
        assertEquals(2.0 / 3, wrong.top1(), 1e-12);
        assertEquals(1.0, wrong.top5());
    }

    @Test
    void kLargerThanTrainSetIsClamped() {
        INDArray train = Nd4j.createFromArray(new float[][] {{1f, 0f}, {0f, 1f}, {0.9f, 0.1f}});
        KnnClassifier knn = new KnnClassifier(train, new int[] {0, 1, 0});
        assertEquals(3, knn.k());
        assertEquals(2, knn.numClasses());
        assertArrayEquals(new int[] {0, 1}, knn.predict(Nd4j.createFromArray(new float[][] {{1f, 0.2f}, {0f, 1f}})));
    }

    @Test
    void top5IsAtLeastTop1() {
        Random rnd = new Random(7);
        int classes = 10;
        INDArray train = Nd4j.create(KnnReference.gaussian(rnd, 300, 8));
        INDArray test = Nd4j.create(KnnReference.gaussian(rnd, 100, 8));
        int[] trainLabels = rnd.ints(300, 0, classes).toArray();
        int[] testLabels = rnd.ints(100, 0, classes).toArray();
        KnnClassifier.KnnResult r = KnnClassifier.evaluate(train, trainLabels, test, testLabels, 20, 0.1);
        assertTrue(r.top5() >= r.top1(), r.toString());
        assertTrue(r.top1() < 0.35, "random labels should be near chance: " + r);
    }

    @Test
    void validation() {
        INDArray train = Nd4j.rand(DataType.FLOAT, 4, 3);
        int[] labels = {0, 1, 0, 1};
        KnnClassifier knn = new KnnClassifier(train, labels);
        IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
                () -> knn.predict(Nd4j.rand(DataType.FLOAT, 2, 5)));
        assertTrue(dims.getMessage().contains("feature dimensions differ"), dims.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new KnnClassifier(train, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> new KnnClassifier(train, labels, 2, 0, 0.1, 8));
        assertThrows(IllegalArgumentException.class, () -> new KnnClassifier(train, labels, 2, 5, 0.0, 8));
        assertThrows(IllegalArgumentException.class, () -> new KnnClassifier(train, labels, 2, 5, 0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> new KnnClassifier(train, new int[] {0, 1, 2, 1}, 2, 5,
                0.1, 8));
        assertThrows(IllegalArgumentException.class, () -> knn.evaluate(Nd4j.rand(DataType.FLOAT, 2, 3),
                new int[] {0}));
    }
}
