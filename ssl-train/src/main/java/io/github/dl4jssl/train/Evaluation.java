package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import io.github.dl4jssl.listeners.eval.FeatureStandardiser;
import io.github.dl4jssl.listeners.eval.KnnClassifier;
import io.github.dl4jssl.listeners.eval.LinearProbe;
import io.github.dl4jssl.layers.NativeBuffers;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The label-based evaluation of frozen vectors on a train/test split: weighted kNN (k = 200, cosine, T = 0.1; Wu et
 * al., InstDisc, 2018) on the vectors as they are and on per-dimension standardised vectors (statistics from the
 * bank, {@link FeatureStandardiser}), and a linear probe. The vectors are a backbone's features or, for the
 * raw-pixel baseline, the images themselves flattened ({@link #pixels}): exactly the same protocol for both.
 *
 * @param train        the kNN bank and the linear probe's training images
 * @param test         the images evaluated on
 * @param linearEpochs the linear probe's epochs
 * @param seed         the linear probe's seed
 */
public record Evaluation(LabelledImages train, LabelledImages test, int linearEpochs, long seed) {

    /** Accuracies of one evaluation. */
    record Result(double knnTop1, double knnTop1Standardised, double linearTop1, double linearTop5) {
        /** For the log, e.g. "kNN top-1 71.09% (standardised 74.10%), linear top-1 78.88%". */
        @Override
        public String toString() {
            return String.format("kNN top-1 %.2f%% (standardised %.2f%%), linear top-1 %.2f%%", 100 * knnTop1,
                    100 * knnTop1Standardised, 100 * linearTop1);
        }
    }

    private static final int BATCH = 512;
    private static final int K = 200;
    private static final double T = 0.1;
    /** Describes the protocol in cache keys: a change of it must change the keys. */
    static final String PROTOCOL = "knn k=" + K + " cosine T=" + T + ", standardised from the bank; linear probe v1";
    /**
     * The evaluation on the first {@code evalTrainSubset} training images of {@code data} (null: the default
     * {@value RunSpec#DEFAULT_EVAL_TRAIN_IMAGES}, or all when fewer) and its first {@code evalTestSubset} test
     * images (null: all); see {@link #first}.
     */
    static Evaluation of(Datasets.Split data, Integer evalTrainSubset, Integer evalTestSubset, int linearEpochs, long seed) {
        LabelledImages train = firstImages(data.train(), first("--eval-train-subset", evalTrainSubset,
                RunSpec.DEFAULT_EVAL_TRAIN_IMAGES, data.train().size(), "training set"));
        LabelledImages test = firstImages(data.test(), first("--eval-test-subset", evalTestSubset, null,
                data.test().size(), "evaluation (test) set"));
        return new Evaluation(train, test, linearEpochs, seed);
    }

    /** kNN and linear probe on the backbone's features of the whole evaluation sets. */
    Result evaluate(ComputationGraph backbone) {
        return evaluateAndRelease(FeatureExtractor.extract(backbone, train.features(), BATCH),
                FeatureExtractor.extract(backbone, test.features(), BATCH));
    }

    /** The same protocol on the raw pixels: each image flattened to one vector. */
    Result rawPixels() {
        return evaluateAndRelease(pixels(train), pixels(test));
    }

    /** {@link #evaluate(INDArray, INDArray)} on vectors made for it, whose native memory is released after. */
    private Result evaluateAndRelease(INDArray trainVectors, INDArray testVectors) {
        try {
            return evaluate(trainVectors, testVectors);
        } finally {
            NativeBuffers.release(trainVectors, testVectors);
        }
    }

    /** kNN (as-is and standardised) and linear probe on given vectors of the evaluation sets' images. */
    Result evaluate(INDArray trainVectors, INDArray testVectors) {
        int[] trainLabels = train.labels();
        int[] testLabels = test.labels();
        double knn = KnnClassifier.evaluate(trainVectors, trainLabels, testVectors, testLabels, K, T).top1();
        FeatureStandardiser standardiser = FeatureStandardiser.fit(trainVectors);
        INDArray trainStandardised = standardiser.apply(trainVectors);
        INDArray testStandardised = standardiser.apply(testVectors);
        double knnStandardised;
        try {
            knnStandardised = KnnClassifier.evaluate(trainStandardised, trainLabels, testStandardised, testLabels, K, T)
                    .top1();
        } finally {
            NativeBuffers.release(trainStandardised, testStandardised);
        }
        LinearProbe.Result linear = LinearProbe.builder().epochs(linearEpochs).seed(seed).build()
                .evaluate(trainVectors, trainLabels, testVectors, testLabels, train.numClasses());
        return new Result(knn, knnStandardised, linear.top1(), linear.top5());
    }

    /** The images as vectors {@code [N, C*H*W]} (float, a copy). */
    static INDArray pixels(LabelledImages images) {
        return images.features().castTo(DataType.FLOAT).dup('c').reshape('c', images.size(), images.imageLength());
    }

    /**
     * How many of {@code available} images a subset option takes: {@code n}, or all of them for 0. A given {@code n}
     * larger than the data set is refused (it would silently shrink); when none is given the default {@code dflt} is
     * taken, or all images when they are fewer (e.g. 6,000 on a 500-image folder), or all for a null default.
     *
     * @param what the images counted, for the message, e.g. "training set"
     */
    public static int first(String option, Integer n, Integer dflt, int available, String what) {
        if (n == null) {
            return dflt == null || dflt == 0 ? available : Math.min(dflt, available);
        }
        if (n == 0) {
            return available;
        }
        if (n > available) {
            throw new IllegalArgumentException(option + " " + n + " is larger than the " + what + ", which has "
                    + available + " images; use at most " + available + ", or 0 for all of them");
        }
        return n;
    }

    /** The first {@code n} images of {@code images} (the same object for all of them). */
    public static LabelledImages firstImages(LabelledImages images, int n) {
        return n == images.size() ? images : images.subset(n);
    }
}
