package io.github.dl4jssl.listeners.eval;

import io.github.dl4jssl.layers.NativeBuffers;
import io.github.dl4jssl.layers.NetworkSeed;
import java.util.Arrays;
import java.util.Random;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Linear evaluation protocol of self-supervised representations: a multinomial logistic
 * regression trained on frozen features (Zhang et al., "Colorful Image Colorization", ECCV 2016;
 * Oord et al., CPC, 2018; Chen et al., SimCLR, ICML 2020, Section 3).
 *
 * <p>The features are standardised with the mean and standard deviation of the train set; a DL4J
 * {@link MultiLayerNetwork} with a single {@link OutputLayer} (softmax, multi-class cross-entropy)
 * is trained with Adam on shuffled mini-batches for a fixed number of epochs, seeded for
 * reproducibility. The result reports top-1 and top-5 accuracy on the test features.
 *
 * <pre>{@code
 * LinearProbe.Result r = LinearProbe.builder().epochs(20).learningRate(1e-2).build()
 *         .evaluate(trainFeatures, trainLabels, testFeatures, testLabels, 10);
 * }</pre>
 */
public final class LinearProbe {

    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double weightDecay;
    private final long seed;

    private LinearProbe(Builder b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.weightDecay = b.weightDecay;
        this.seed = b.seed;
    }

    /** A builder with the defaults: 10 epochs, batch 256, Adam lr 1e-2, no weight decay, seed 42. */
    public static Builder builder() { return new Builder(); }

    /**
     * Trains the probe on {@code trainFeatures} and evaluates it on {@code testFeatures}.
     *
     * @param trainFeatures [N, D] frozen train features
     * @param trainLabels   N class indices in [0, numClasses)
     * @param testFeatures  [M, D] frozen test features
     * @param testLabels    M class indices in [0, numClasses)
     * @param numClasses    number of classes (&ge; 2)
     */
    public Result evaluate(INDArray trainFeatures, int[] trainLabels, INDArray testFeatures, int[] testLabels,
                           int numClasses) {
        check(trainFeatures, trainLabels, "train", numClasses);
        check(testFeatures, testLabels, "test", numClasses);
        if (trainFeatures.size(1) != testFeatures.size(1)) {
            throw new IllegalArgumentException("feature dimensions differ: train features have "
                    + trainFeatures.size(1) + " columns, test features have " + testFeatures.size(1));
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
        }
        FeatureStandardiser standardiser = FeatureStandardiser.fit(trainFeatures); // train statistics only
        INDArray train = standardiser.apply(trainFeatures);
        INDArray test = standardiser.apply(testFeatures);

        int n = trainLabels.length;
        int d = (int) train.size(1);
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(d, numClasses));
        net.init();
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, n, numClasses);
        for (int i = 0; i < n; i++) {
            oneHot.putScalar(i, trainLabels[i], 1.0);
        }
        Random rng = new Random(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int epoch = 0; epoch < epochs; epoch++) {
            shuffle(order, rng);
            for (int start = 0; start < n; start += batchSize) {
                int[] idx = Arrays.copyOfRange(order, start, Math.min(n, start + batchSize));
                INDArray x = Nd4j.pullRows(train, 1, idx);
                INDArray y = Nd4j.pullRows(oneHot, 1, idx);
                net.fit(new DataSet(x, y));
                NativeBuffers.release(x, y);
            }
        }
        INDArray trainScores = net.output(train, false);
        double trainTop1 = accuracy(trainScores, trainLabels, 1);
        INDArray probs = net.output(test, false);
        Result result = new Result(accuracy(probs, testLabels, 1), accuracy(probs, testLabels, 5), trainTop1);
        NativeBuffers.release(trainScores, probs, train, test, oneHot);
        return result;
    }

    private MultiLayerConfiguration configuration(int nIn, int numClasses) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(learningRate))
                .weightInit(WeightInit.XAVIER);
        if (weightDecay > 0) {
            b.weightDecay(weightDecay);
        }
        return b.list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(nIn).nOut(numClasses).activation(Activation.SOFTMAX).build())
                .build();
    }

    /** Fraction of rows whose label is among the {@code topN} highest-scoring classes (ties: smaller index). */
    static double accuracy(INDArray scores, int[] labels, int topN) {
        double[][] s = scores.castTo(DataType.DOUBLE).toDoubleMatrix();
        int hits = 0;
        for (int i = 0; i < s.length; i++) {
            for (int c : KnnClassifier.topClasses(s[i], topN)) {
                if (c == labels[i]) {
                    hits++;
                    break;
                }
            }
        }
        return s.length == 0 ? 0.0 : (double) hits / s.length;
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void check(INDArray features, int[] labels, String what, int numClasses) {
        if (features == null || features.rank() != 2) {
            throw new IllegalArgumentException(what + " features must be a 2-d [N, D] array, got "
                    + (features == null ? "null" : "shape " + Arrays.toString(features.shape())));
        }
        if (labels == null) {
            throw new IllegalArgumentException(what + " labels must not be null");
        }
        if (features.size(0) != labels.length) {
            throw new IllegalArgumentException(what + " features have " + features.size(0) + " rows but there are "
                    + labels.length + " " + what + " labels");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("the " + what + " set is empty");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(what + " label " + labels[i] + " at row " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
    }

    /** Settings of a {@link LinearProbe}. */
    public static final class Builder {
        private int epochs = 10;
        private int batchSize = 256;
        private double learningRate = 1e-2;
        private double weightDecay = 0.0;
        private long seed = 42;

        private Builder() {
        }

        /** Number of passes over the train features (default 10). */
        public Builder epochs(int epochs) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs must be positive, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /** Mini-batch size (default 256). */
        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Adam learning rate (default 1e-2). On standardised features 1e-2 converges within a few
         * epochs even on small train sets (a few mini-batches per epoch), where 1e-3 does not; use
         * 1e-3 with more epochs for the long schedules of the literature.
         */
        public Builder learningRate(double learningRate) {
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learningRate must be positive and finite, got " + learningRate);
            }
            this.learningRate = learningRate;
            return this;
        }

        /** Decoupled weight decay coefficient (default 0: none). */
        public Builder weightDecay(double weightDecay) {
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weightDecay must be non-negative and finite, got " + weightDecay);
            }
            this.weightDecay = weightDecay;
            return this;
        }

        /** Seed of the weight initialisation and of the mini-batch shuffling (default 42). */
        public Builder seed(long seed) { this.seed = NetworkSeed.check("seed", seed); return this; }

        public LinearProbe build() { return new LinearProbe(this); }
    }

    /**
     * Outcome of a linear probe.
     *
     * @param top1      top-1 accuracy on the test features
     * @param top5      top-5 accuracy on the test features (top-numClasses if fewer than 5 classes)
     * @param trainTop1 top-1 accuracy on the train features
     */
    public record Result(double top1, double top5, double trainTop1) {
        @Override
        public String toString() {
            return String.format("linear probe top-1 %.4f, top-5 %.4f (train top-1 %.4f)", top1, top5, trainTop1);
        }
    }
}
