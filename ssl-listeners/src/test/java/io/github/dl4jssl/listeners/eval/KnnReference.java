package io.github.dl4jssl.listeners.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

/**
 * The tests' independent computation of {@link KnnClassifier}'s weighted kNN (cosine similarity, the k most
 * similar bank rows vote with weight exp(s / t)) in plain Java, and the random data they run it on.
 */
public final class KnnReference {

    private KnnReference() {
    }

    /** The weighted kNN's predictions, brute force: double precision, full sort, ties to the lower bank index. */
    public static int[] predict(double[][] train, int[] labels, double[][] test, int numClasses, int k,
                                double t) {
        double[][] tr = normalize(train);
        double[][] te = normalize(test);
        int[] pred = new int[te.length];
        for (int i = 0; i < te.length; i++) {
            double[] sim = new double[tr.length];
            Integer[] idx = new Integer[tr.length];
            for (int j = 0; j < tr.length; j++) {
                double dot = 0;
                for (int d = 0; d < te[i].length; d++) {
                    dot += te[i][d] * tr[j][d];
                }
                sim[j] = dot;
                idx[j] = j;
            }
            Arrays.sort(idx, Comparator.<Integer>comparingDouble(j -> -sim[j]).thenComparingInt(j -> j));
            double[] votes = new double[numClasses];
            for (int r = 0; r < Math.min(k, tr.length); r++) {
                votes[labels[idx[r]]] += Math.exp(sim[idx[r]] / t);
            }
            int best = 0;
            for (int c = 1; c < numClasses; c++) {
                if (votes[c] > votes[best]) {
                    best = c;
                }
            }
            pred[i] = best;
        }
        return pred;
    }

    private static double[][] normalize(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double n = 0;
            for (double v : x[i]) {
                n += v * v;
            }
            n = Math.max(Math.sqrt(n), 1e-12);
            out[i] = new double[x[i].length];
            for (int d = 0; d < x[i].length; d++) {
                out[i][d] = x[i][d] / n;
            }
        }
        return out;
    }

    /** n rows of d standard normal values. */
    public static double[][] gaussian(Random rnd, int n, int d) {
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        return x;
    }
}
