package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.listeners.eval.LinearProbe;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The raw-pixel baseline against plain-Java computations of the protocol on tiny images. */
class EvaluationTest {

    /**
     * n images of 1x2x2 pixels in 3 classes: pixel 0 is a large offset (100 +- noise) that says nothing about the
     * class and dominates cosine similarity unless standardised; pixels 1-3 carry the class (+1 at pixel 1 + class).
     */
    static LabelledImages images(int n, long seed) {
        Random rng = new Random(seed);
        float[] pixels = new float[n * 4];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(3);
            pixels[4 * i] = 100 + (float) rng.nextGaussian();
            for (int j = 1; j < 4; j++) {
                pixels[4 * i + j] = (float) rng.nextGaussian() + (j == 1 + labels[i] ? 1.5f : 0f);
            }
        }
        return new LabelledImages(Nd4j.create(pixels, new long[] {n, 1, 2, 2}, 'c'), labels, 3);
    }

    @Test
    void rawPixelKnnAsIsAndStandardisedMatchAnIndependentComputation() {
        LabelledImages bank = images(260, 1); // more than k = 200, so the neighbour selection matters
        LabelledImages test = images(80, 2);
        Evaluation.Result r = new Evaluation(bank, test, 2, 5).rawPixels();
        double[][] b = rows(bank);
        double[][] t = rows(test);
        assertEquals(knnTop1(b, bank.labels(), t, test.labels()), r.knnTop1(), 1e-12);
        double[][] stats = meanStd(b);
        assertEquals(knnTop1(standardise(b, stats), bank.labels(), standardise(t, stats), test.labels()),
                r.knnTop1Standardised(), 1e-12);
        assertTrue(r.knnTop1Standardised() > r.knnTop1() + 0.05,
                "the offset pixel drowns the class signal unless standardised: " + r);
        LinearProbe.Result probe = LinearProbe.builder().epochs(2).seed(5).build()
                .evaluate(Evaluation.pixels(bank), bank.labels(), Evaluation.pixels(test), test.labels(), 3);
        assertEquals(probe.top1(), r.linearTop1(), "the same linear probe as on features");
        assertEquals(probe.top5(), r.linearTop5());
    }

    @Test
    void pixelsAreTheImagesFlattenedInChwOrder() {
        LabelledImages images = images(5, 3);
        INDArray p = Evaluation.pixels(images);
        assertArrayEquals(new long[] {5, 4}, p.shape());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(images.image(i), p.getRow(i).toFloatVector());
        }
    }

    private static double[][] rows(LabelledImages images) {
        double[][] r = new double[images.size()][];
        for (int i = 0; i < r.length; i++) {
            float[] f = images.image(i);
            r[i] = new double[f.length];
            for (int j = 0; j < f.length; j++) {
                r[i][j] = f[j];
            }
        }
        return r;
    }

    /** Column means (row 0) and population standard deviations floored at 1e-6 (row 1). */
    private static double[][] meanStd(double[][] x) {
        int d = x[0].length;
        double[][] s = new double[2][d];
        for (int j = 0; j < d; j++) {
            double m = 0;
            for (double[] row : x) {
                m += row[j] / x.length;
            }
            double v = 0;
            for (double[] row : x) {
                v += (row[j] - m) * (row[j] - m) / x.length;
            }
            s[0][j] = m;
            s[1][j] = Math.max(Math.sqrt(v), 1e-6);
        }
        return s;
    }

    private static double[][] standardise(double[][] x, double[][] stats) {
        double[][] out = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[i][j] = (x[i][j] - stats[0][j]) / stats[1][j];
            }
        }
        return out;
    }

    /** Weighted kNN as in InstDisc: cosine similarity, the 200 most similar, votes exp(s / 0.1). */
    private static double knnTop1(double[][] bank, int[] bankLabels, double[][] test, int[] testLabels) {
        int hits = 0;
        for (int i = 0; i < test.length; i++) {
            double[] sims = new double[bank.length];
            Integer[] order = new Integer[bank.length];
            for (int j = 0; j < bank.length; j++) {
                sims[j] = cosine(test[i], bank[j]);
                order[j] = j;
            }
            Arrays.sort(order, (a, c) -> Double.compare(sims[c], sims[a]));
            double[] votes = new double[3];
            for (int n = 0; n < Math.min(200, bank.length); n++) {
                votes[bankLabels[order[n]]] += Math.exp(sims[order[n]] / 0.1);
            }
            int best = 0;
            for (int c = 1; c < 3; c++) {
                best = votes[c] > votes[best] ? c : best;
            }
            hits += best == testLabels[i] ? 1 : 0;
        }
        return (double) hits / test.length;
    }

    private static double cosine(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int j = 0; j < a.length; j++) {
            ab += a[j] * b[j];
            aa += a[j] * a[j];
            bb += b[j] * b[j];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
