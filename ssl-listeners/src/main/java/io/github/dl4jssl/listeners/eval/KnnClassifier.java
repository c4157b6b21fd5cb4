package io.github.dl4jssl.listeners.eval;

import io.github.dl4jssl.layers.NativeBuffers;

import java.util.Arrays;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Weighted k-nearest-neighbour classifier on frozen features, the non-parametric evaluation of
 * Wu et al., "Unsupervised Feature Learning via Non-Parametric Instance Discrimination"
 * (InstDisc, CVPR 2018), also used as the kNN monitor of MoCo (He et al., CVPR 2020).
 *
 * <p>Features are L2-normalised; for each test feature the cosine similarity s_i to every train
 * feature is computed, the k most similar train features are taken, and each of them votes for
 * its class with weight exp(s_i / T). The predicted class is the one with the largest summed
 * weight. Defaults follow InstDisc/MoCo: k = 200, T = 0.1.
 *
 * <p>Similarities are computed with an ND4J matrix product for chunks of test rows (default 256),
 * so a full test x train similarity matrix is never held in memory at once; the top-k selection
 * and the voting are plain Java. Ties are broken deterministically: among equally similar train
 * features the one with the smaller index is taken first, and among equally weighted classes
 * the smaller class index wins.
 *
 * <p>Memory: ND4J frees an array's native buffer only after a Java garbage collection has found it unreachable, and
 * a kNN evaluation makes little Java garbage, so every native temporary here (a chunk's similarities are 61 MB for a
 * 60,000-image bank) is closed as soon as it is read, and {@link #close()} releases the normalised bank copy. The
 * product is {@code Nd4j.gemm(chunk, bank, false, true)}: in DL4J 1.0.0-M2.1 {@code chunk.mmul(bank.transpose())}
 * leaves one more product-sized array behind per chunk, beyond reach of {@code close()}, and took 1.6 times as long
 * (a 256 x 784 chunk against a 60,000-image bank; docs/bench/memory-s13). Before both changes a raw-pixel evaluation
 * on a 60,000-image bank grew the process from about 3 to 19.5 GiB before a collection.
 */
public final class KnnClassifier implements AutoCloseable {

    /** Default number of neighbours (InstDisc, MoCo). */
    public static final int DEFAULT_K = 200;
    /** Default temperature T of the vote weights exp(s / T). */
    public static final double DEFAULT_TEMPERATURE = 0.1;
    /** Default number of test rows per similarity chunk. */
    public static final int DEFAULT_CHUNK_SIZE = 256;

    private final INDArray train;   // [N, D] float, L2-normalised
    private final int[] trainLabels;
    private final int numClasses;
    private final int k;
    private final double temperature;
    private final int chunkSize;

    /** A classifier with k = 200, T = 0.1; the number of classes is max(label) + 1. */
    public KnnClassifier(INDArray trainFeatures, int[] trainLabels) {
        this(trainFeatures, trainLabels, Labels.numClasses(checkLabels(trainLabels)), DEFAULT_K,
                DEFAULT_TEMPERATURE, DEFAULT_CHUNK_SIZE);
    }

    /**
     * @param trainFeatures [N, D] features of the labelled (memory bank) set; copied and normalised
     * @param trainLabels   N class indices in [0, numClasses)
     * @param numClasses    number of classes
     * @param k             number of neighbours (&gt; 0); values above N are clamped to N
     * @param temperature   temperature T (&gt; 0) of the vote weights exp(s / T)
     * @param chunkSize     number of test rows per similarity chunk (&gt; 0)
     */
    public KnnClassifier(INDArray trainFeatures, int[] trainLabels, int numClasses, int k, double temperature,
                         int chunkSize) {
        if (trainFeatures == null || trainFeatures.rank() != 2) {
            throw new IllegalArgumentException("trainFeatures must be a 2-d [N, D] array, got "
                    + (trainFeatures == null ? "null" : "shape " + Arrays.toString(trainFeatures.shape())));
        }
        checkLabels(trainLabels);
        if (trainFeatures.size(0) != trainLabels.length) {
            throw new IllegalArgumentException("trainFeatures has " + trainFeatures.size(0) + " rows but there are "
                    + trainLabels.length + " train labels");
        }
        if (trainLabels.length == 0) {
            throw new IllegalArgumentException("the train set is empty");
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        for (int i = 0; i < trainLabels.length; i++) {
            if (trainLabels[i] < 0 || trainLabels[i] >= numClasses) {
                throw new IllegalArgumentException("train label " + trainLabels[i] + " at row " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be positive, got " + chunkSize);
        }
        this.train = normalizeRows(trainFeatures);
        this.trainLabels = trainLabels.clone();
        this.numClasses = numClasses;
        this.k = Math.min(k, trainLabels.length);
        this.temperature = temperature;
        this.chunkSize = chunkSize;
    }

    /** The number of neighbours actually used (k clamped to the train set size). */
    public int k() { return k; }

    /** The temperature T. */
    public double temperature() { return temperature; }

    /** The number of classes. */
    public int numClasses() { return numClasses; }

    /** Predicted class of every row of {@code testFeatures} ([M, D]). */
    public int[] predict(INDArray testFeatures) {
        int[][] ranked = rankClasses(testFeatures, 1);
        int[] pred = new int[ranked.length];
        for (int i = 0; i < ranked.length; i++) {
            pred[i] = ranked[i][0];
        }
        return pred;
    }

    /**
     * Classifies {@code testFeatures} and compares with {@code testLabels}.
     *
     * @return top-1 and top-5 accuracy and the predictions
     */
    public KnnResult evaluate(INDArray testFeatures, int[] testLabels) {
        checkLabels(testLabels);
        if (testFeatures != null && testFeatures.rank() == 2 && testFeatures.size(0) != testLabels.length) {
            throw new IllegalArgumentException("testFeatures has " + testFeatures.size(0) + " rows but there are "
                    + testLabels.length + " test labels");
        }
        int topN = Math.min(5, numClasses);
        int[][] ranked = rankClasses(testFeatures, topN);
        int[] pred = new int[ranked.length];
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < ranked.length; i++) {
            pred[i] = ranked[i][0];
            if (pred[i] == testLabels[i]) {
                top1++;
            }
            for (int c : ranked[i]) {
                if (c == testLabels[i]) {
                    top5++;
                    break;
                }
            }
        }
        int m = Math.max(1, ranked.length);
        return new KnnResult((double) top1 / m, (double) top5 / m, pred);
    }

    /**
     * Convenience: weighted kNN accuracy with the given k and T (number of classes from the labels).
     */
    public static KnnResult evaluate(INDArray trainFeatures, int[] trainLabels, INDArray testFeatures,
                                     int[] testLabels, int k, double temperature) {
        int numClasses = Math.max(Labels.numClasses(checkLabels(trainLabels)),
                Labels.numClasses(checkLabels(testLabels)));
        try (KnnClassifier knn = new KnnClassifier(trainFeatures, trainLabels, numClasses, k, temperature,
                DEFAULT_CHUNK_SIZE)) {
            return knn.evaluate(testFeatures, testLabels);
        }
    }

    /** For every test row, the {@code topN} classes with the largest summed vote weight, best first. */
    private int[][] rankClasses(INDArray testFeatures, int topN) {
        if (testFeatures == null || testFeatures.rank() != 2) {
            throw new IllegalArgumentException("testFeatures must be a 2-d [M, D] array, got "
                    + (testFeatures == null ? "null" : "shape " + Arrays.toString(testFeatures.shape())));
        }
        if (train.wasClosed()) {
            throw new IllegalStateException("this KnnClassifier was closed; make a new one to classify again");
        }
        if (testFeatures.size(1) != train.size(1)) {
            throw new IllegalArgumentException("feature dimensions differ: train features have " + train.size(1)
                    + " columns, test features have " + testFeatures.size(1));
        }
        int m = (int) testFeatures.size(0);
        int n = (int) train.size(0);
        int[][] result = new int[m][];
        int[] heap = new int[k];
        double[] scores = new double[numClasses];
        for (int start = 0; start < m; start += chunkSize) {
            int end = Math.min(m, start + chunkSize);
            float[] sim; // [rows, n], row-major
            INDArray chunk = normalizeRows(testFeatures.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()));
            INDArray sims = Nd4j.gemm(chunk, train, false, true); // chunk x train^T without materialising train^T
            try {
                sim = rowMajorFloats(sims);
            } finally {
                NativeBuffers.release(chunk, sims);
            }
            for (int r = 0; r < end - start; r++) {
                int offset = r * n;
                int size = topK(sim, offset, n, heap);
                Arrays.fill(scores, 0.0);
                for (int j = 0; j < size; j++) {
                    int idx = heap[j];
                    scores[trainLabels[idx]] += Math.exp(sim[offset + idx] / temperature);
                }
                result[start + r] = topClasses(scores, topN);
            }
        }
        return result;
    }

    /**
     * Selects the k largest of {@code sim[offset .. offset+n)} (ties: smaller index first) into
     * {@code heap}, kept as a min-heap of the worst kept element at the root.
     */
    private int topK(float[] sim, int offset, int n, int[] heap) {
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(sim, offset, heap, size);
                size++;
            } else if (better(sim, offset, i, heap[0])) {
                heap[0] = i;
                siftDown(sim, offset, heap, size);
            }
        }
        return size;
    }

    /** True if train item a is a better neighbour than b: higher similarity, or equal and smaller index. */
    private static boolean better(float[] sim, int offset, int a, int b) {
        float sa = sim[offset + a];
        float sb = sim[offset + b];
        return sa > sb || (sa == sb && a < b);
    }

    private static void siftUp(float[] sim, int offset, int[] heap, int pos) {
        int item = heap[pos];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            if (better(sim, offset, heap[parent], item)) { // parent better than item: item goes up
                heap[pos] = heap[parent];
                pos = parent;
            } else {
                break;
            }
        }
        heap[pos] = item;
    }

    private static void siftDown(float[] sim, int offset, int[] heap, int size) {
        int pos = 0;
        int item = heap[0];
        while (true) {
            int child = 2 * pos + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && better(sim, offset, heap[child], heap[child + 1])) {
                child++; // the worse child
            }
            if (better(sim, offset, item, heap[child])) {
                heap[pos] = heap[child];
                pos = child;
            } else {
                break;
            }
        }
        heap[pos] = item;
    }

    /** Indices of the {@code topN} largest scores, best first; ties go to the smaller class index. */
    public static int[] topClasses(double[] scores, int topN) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(scores[b], scores[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] top = new int[Math.min(topN, scores.length)];
        for (int i = 0; i < top.length; i++) {
            top[i] = order[i];
        }
        return top;
    }

    /** Rows divided by their L2 norm (clamped below at 1e-12), as a new FLOAT array. */
    static INDArray normalizeRows(INDArray x) {
        INDArray f = x.castTo(DataType.FLOAT).dup('c');
        INDArray norms = Transforms.max(f.norm2(1), 1e-12, false);
        f.diviColumnVector(norms.reshape(f.size(0), 1));
        NativeBuffers.release(norms);
        return f;
    }

    /** The elements of a 2-d array in row-major order, read from its buffer directly when it is a plain c-order array. */
    static float[] rowMajorFloats(INDArray a) {
        if (a.ordering() == 'c' && !a.isView() && a.dataType() == DataType.FLOAT && a.data().length() == a.length()) {
            return a.data().asFloat();
        }
        INDArray c = a.castTo(DataType.FLOAT).dup('c');
        float[] values = c.data().asFloat();
        NativeBuffers.release(c);
        return values;
    }

    /** Releases the normalised copy of the bank now instead of at a later garbage collection; the classifier is unusable after. */
    @Override
    public void close() {
        NativeBuffers.release(train);
    }

    private static int[] checkLabels(int[] labels) {
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        return labels;
    }

    /** Result of a kNN evaluation. */
    public record KnnResult(double top1, double top5, int[] predictions) {
        @Override
        public String toString() {
            return String.format("kNN top-1 %.4f, top-5 %.4f (%d samples)", top1, top5, predictions.length);
        }
    }
}
