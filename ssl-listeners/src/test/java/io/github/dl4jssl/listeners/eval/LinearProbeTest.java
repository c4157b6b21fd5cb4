package io.github.dl4jssl.listeners.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LinearProbeTest {

    private static final int CLASSES = 5;
    private static final int DIM = 20;

    /** Gaussian clusters around well-separated random centres, plus an offset and scale to standardise away. */
    private static double[][] clusters(Random rnd, int[] labels, double[][] centres) {
        double[][] x = new double[labels.length][DIM];
        for (int i = 0; i < labels.length; i++) {
            for (int d = 0; d < DIM; d++) {
                x[i][d] = 10 + 3 * (centres[labels[i]][d] + rnd.nextGaussian());
            }
        }
        return x;
    }

    private static double[][] centres(Random rnd) {
        double[][] c = new double[CLASSES][DIM];
        for (double[] row : c) {
            for (int d = 0; d < DIM; d++) {
                row[d] = 2.0 * rnd.nextGaussian();
            }
        }
        return c;
    }

    @Test
    void separableClustersAreLearned() {
        Random rnd = new Random(1);
        double[][] c = centres(rnd);
        int[] trainLabels = rnd.ints(800, 0, CLASSES).toArray();
        int[] testLabels = rnd.ints(200, 0, CLASSES).toArray();
        INDArray train = Nd4j.create(clusters(rnd, trainLabels, c));
        INDArray test = Nd4j.create(clusters(rnd, testLabels, c));
        LinearProbe.Result r = LinearProbe.builder().build().evaluate(train, trainLabels, test, testLabels, CLASSES);
        assertTrue(r.top1() > 0.95, r.toString());
        assertTrue(r.top5() >= r.top1(), r.toString());
        assertEquals(1.0, r.top5()); // 5 classes: top-5 covers all

        // seeded: the same settings give the same result
        LinearProbe.Result again = LinearProbe.builder().build().evaluate(train, trainLabels, test, testLabels,
                CLASSES);
        assertEquals(r.top1(), again.top1());
    }

    @Test
    void randomLabelsStayNearChance() {
        Random rnd = new Random(2);
        int classes = 10;
        int[] trainLabels = rnd.ints(800, 0, classes).toArray();
        int[] testLabels = rnd.ints(400, 0, classes).toArray();
        INDArray train = Nd4j.create(KnnReference.gaussian(rnd, 800, DIM));
        INDArray test = Nd4j.create(KnnReference.gaussian(rnd, 400, DIM));
        LinearProbe.Result r = LinearProbe.builder().epochs(5).batchSize(128).seed(3).build()
                .evaluate(train, trainLabels, test, testLabels, classes);
        assertTrue(r.top1() < 0.2, "chance is 0.1: " + r);
        assertTrue(r.top5() >= r.top1(), r.toString());
        assertTrue(r.top5() > 0.35 && r.top5() < 0.65, "chance top-5 is 0.5: " + r);
    }

    @Test
    void topFiveCountsALabelAmongTheFiveHighestScores() {
        // 7 classes; by hand: row 0's label 2 has the 5th highest score (hit), row 1's label 0 the 7th (miss),
        // row 2's label 6 the highest (hit, also top-1), row 3's label 3 ties with class 4 at rank 5/6: ties go to
        // the smaller index, so class 3 is 5th (hit)
        INDArray scores = Nd4j.create(new double[][] {
                {0.9, 0.8, 0.55, 0.7, 0.6, 0.05, 0.5},
                {0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.2},
                {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4},
                {0.9, 0.8, 0.7, 0.3, 0.3, 0.6, 0.1}});
        int[] labels = {2, 0, 6, 3};
        assertEquals(3.0 / 4, LinearProbe.accuracy(scores, labels, 5), 1e-12);
        assertEquals(1.0 / 4, LinearProbe.accuracy(scores, labels, 1), 1e-12);
        assertEquals(1.0 / 4, LinearProbe.accuracy(scores, labels, 2), 1e-12);
    }

    @Test
    void validation() {
        INDArray x = Nd4j.rand(4, 3);
        LinearProbe p = LinearProbe.builder().epochs(1).build();
        IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
                () -> p.evaluate(x, new int[] {0, 1, 0, 1}, Nd4j.rand(2, 5), new int[] {0, 1}, 2));
        assertTrue(dims.getMessage().contains("feature dimensions differ"), dims.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> p.evaluate(x, new int[] {0, 1, 0}, x, new int[] {0, 1, 0, 1}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> p.evaluate(x, new int[] {0, 1, 0, 2}, x, new int[] {0, 1, 0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> LinearProbe.builder().epochs(0));
        assertThrows(IllegalArgumentException.class, () -> LinearProbe.builder().learningRate(-1));
    }
}
