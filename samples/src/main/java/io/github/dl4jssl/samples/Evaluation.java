package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.eval.FeatureExtractor;
import io.github.dl4jssl.listeners.monitor.KnnClassifier;
import io.github.dl4jssl.zoo.eval.LinearProbe;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * The label-based evaluation of a frozen backbone on a train/test split: weighted kNN (k = 200,
 * cosine, T = 0.1) and a linear probe.
 */
final class Evaluation {

    /** Accuracies of one evaluation; {@code monitorKnnTop1} is the kNN monitor's value on the prefixes. */
    record Result(double knnTop1, double linearTop1, double linearTop5, double monitorKnnTop1) {
    }

    private static final int BATCH = 512;
    private static final int K = 200;
    private static final double T = 0.1;
    private final LabelledImages train;
    private final LabelledImages test;
    private final int monitorBank;
    private final int monitorTest;
    private final int linearEpochs;
    private final long seed;

    /**
     * @param monitorBank the kNN monitor uses the first {@code monitorBank} training images as its bank
     * @param monitorTest ... and the first {@code monitorTest} test images
     */
    Evaluation(LabelledImages train, LabelledImages test, int monitorBank, int monitorTest, int linearEpochs, long seed) {
        this.train = train;
        this.test = test;
        this.monitorBank = Math.min(monitorBank, train.size());
        this.monitorTest = Math.min(monitorTest, test.size());
        this.linearEpochs = linearEpochs;
        this.seed = seed;
    }

    /** kNN and linear probe on the whole evaluation sets, and the monitor's kNN on their prefixes. */
    Result evaluate(ComputationGraph backbone) {
        INDArray trainFeatures = FeatureExtractor.extract(backbone, train.features(), BATCH);
        INDArray testFeatures = FeatureExtractor.extract(backbone, test.features(), BATCH);
        double knn = KnnClassifier.evaluate(trainFeatures, train.labels(), testFeatures, test.labels(), K, T).top1();
        LinearProbe.Result linear = LinearProbe.builder().epochs(linearEpochs).seed(seed).build()
                .evaluate(trainFeatures, train.labels(), testFeatures, test.labels(), train.numClasses());
        double monitor = monitorKnn(trainFeatures.get(NDArrayIndex.interval(0, monitorBank)),
                testFeatures.get(NDArrayIndex.interval(0, monitorTest)));
        return new Result(knn, linear.top1(), linear.top5(), monitor);
    }

    /** The kNN monitor alone: features of the prefixes only. */
    double monitor(ComputationGraph backbone) {
        return monitorKnn(FeatureExtractor.extract(backbone, train.subset(monitorBank).features(), BATCH),
                FeatureExtractor.extract(backbone, test.subset(monitorTest).features(), BATCH));
    }

    private double monitorKnn(INDArray bank, INDArray queries) {
        return KnnClassifier.evaluate(bank, Arrays.copyOf(train.labels(), monitorBank), queries,
                Arrays.copyOf(test.labels(), monitorTest), K, T).top1();
    }
}
