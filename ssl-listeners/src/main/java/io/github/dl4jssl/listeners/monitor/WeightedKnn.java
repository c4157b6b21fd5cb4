package io.github.dl4jssl.listeners.monitor;

import java.util.Arrays;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Weighted k-nearest-neighbour classifier on cosine similarity, the SSL feature-quality monitor of
 * Wu, Xiong, Yu, Lin 2018 ("Unsupervised Feature Learning via Non-Parametric Instance
 * Discrimination", CVPR 2018), as used by MoCo, DINO and others (k = 200, T = 0.1 by convention).
 *
 * <p>Rows of the bank and query features are L2-normalised; for each query the {@code k} bank
 * entries with the largest cosine similarity {@code s} vote for their labels with weight
 * {@code exp(s / T)}; the prediction is the class with the largest total weight (ties: the
 * smallest class index). Neighbour ties at the k-th similarity are broken by the smaller bank
 * index. Similarities are computed in double precision, in query chunks (one {@code [chunk, N]}
 * matrix at a time).
 */
public final class WeightedKnn {

    /** Default neighbours. */
    public static final int DEFAULT_K = 200;
    /** Default temperature. */
    public static final double DEFAULT_TEMPERATURE = 0.1;

    private static final int CHUNK = 256;

    private WeightedKnn() {
    }

    /**
     * @param bank        {@code [N, d]} features
     * @param bankLabels  N labels in {@code [0, numClasses)}
     * @param query       {@code [M, d]} features
     * @param numClasses  number of classes
     * @param k           neighbours (capped at N)
     * @param temperature T
     * @return M predicted labels
     */
    public static int[] predict(INDArray bank, int[] bankLabels, INDArray query, int numClasses, int k,
                                double temperature) {
        if (bank.rank() != 2 || query.rank() != 2 || bank.size(1) != query.size(1)) {
            throw new IllegalArgumentException("Expected [N, d] and [M, d]; got " + Arrays.toString(bank.shape())
                    + " and " + Arrays.toString(query.shape()));
        }
        if (bankLabels.length != bank.size(0)) {
            throw new IllegalArgumentException(bankLabels.length + " labels for " + bank.size(0) + " bank rows");
        }
        if (k < 1 || !(temperature > 0)) {
            throw new IllegalArgumentException("k >= 1 and temperature > 0 required");
        }
        int n = (int) bank.size(0);
        int m = (int) query.size(0);
        int kk = Math.min(k, n);
        INDArray b = normalizeRows(bank);
        INDArray q = normalizeRows(query);
        INDArray bt = b.transpose();
        int[] pred = new int[m];
        Integer[] order = new Integer[n];
        double[] votes = new double[numClasses];
        for (int start = 0; start < m; start += CHUNK) {
            int end = Math.min(m, start + CHUNK);
            double[][] sims = q.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).mmul(bt).toDoubleMatrix();
            for (int r = 0; r < sims.length; r++) {
                double[] s = sims[r];
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (x, y) -> {
                    int c = Double.compare(s[y], s[x]);
                    return c != 0 ? c : Integer.compare(x, y);
                });
                Arrays.fill(votes, 0);
                for (int j = 0; j < kk; j++) {
                    int idx = order[j];
                    votes[bankLabels[idx]] += Math.exp(s[idx] / temperature);
                }
                int best = 0;
                for (int c = 1; c < numClasses; c++) {
                    if (votes[c] > votes[best]) {
                        best = c;
                    }
                }
                pred[start + r] = best;
            }
        }
        return pred;
    }

    /**
     * @param bank         {@code [N, d]}
     * @param bankLabels   N labels
     * @param query        {@code [M, d]}
     * @param queryLabels  M labels
     * @param numClasses   classes
     * @param k            neighbours
     * @param temperature  T
     * @return fraction of queries whose prediction equals their label
     */
    public static double top1Accuracy(INDArray bank, int[] bankLabels, INDArray query, int[] queryLabels,
                                      int numClasses, int k, double temperature) {
        int[] p = predict(bank, bankLabels, query, numClasses, k, temperature);
        if (queryLabels.length != p.length) {
            throw new IllegalArgumentException(queryLabels.length + " labels for " + p.length + " queries");
        }
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == queryLabels[i]) {
                correct++;
            }
        }
        return p.length == 0 ? Double.NaN : correct / (double) p.length;
    }

    /**
     * @param labels int labels {@code [n]} / {@code [n, 1]}, or one-hot {@code [n, C]}
     * @return int labels
     */
    public static int[] toIntLabels(INDArray labels) {
        if (labels.rank() == 2 && labels.size(1) > 1) {
            return labels.argMax(1).toIntVector();
        }
        return labels.reshape(labels.length()).toIntVector();
    }

    private static INDArray normalizeRows(INDArray x) {
        INDArray d = x.castTo(DataType.DOUBLE).dup();
        INDArray norms = d.norm2(1).reshape(d.size(0), 1);
        norms = norms.addi(1e-12);
        return d.diviColumnVector(norms);
    }
}
