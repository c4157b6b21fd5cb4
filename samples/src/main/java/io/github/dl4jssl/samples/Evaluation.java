package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.eval.FeatureExtractor;
import io.github.dl4jssl.listeners.monitor.KnnClassifier;
import io.github.dl4jssl.zoo.eval.LinearProbe;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The label-based evaluation of a frozen backbone on a train/test split: weighted kNN (k = 200,
 * cosine, T = 0.1) and a linear probe.
 */
final class Evaluation {

    /** Accuracies of one evaluation. */
    record Result(double knnTop1, double linearTop1, double linearTop5) {
    }

    private static final int BATCH = 512;
    private static final int K = 200;
    private static final double T = 0.1;
    private final LabelledImages train;
    private final LabelledImages test;
    private final int linearEpochs;
    private final long seed;

    Evaluation(LabelledImages train, LabelledImages test, int linearEpochs, long seed) {
        this.train = train;
        this.test = test;
        this.linearEpochs = linearEpochs;
        this.seed = seed;
    }

    /** kNN and linear probe on the whole evaluation sets. */
    Result evaluate(ComputationGraph backbone) {
        INDArray trainFeatures = FeatureExtractor.extract(backbone, train.features(), BATCH);
        INDArray testFeatures = FeatureExtractor.extract(backbone, test.features(), BATCH);
        double knn = KnnClassifier.evaluate(trainFeatures, train.labels(), testFeatures, test.labels(), K, T).top1();
        LinearProbe.Result linear = LinearProbe.builder().epochs(linearEpochs).seed(seed).build()
                .evaluate(trainFeatures, train.labels(), testFeatures, test.labels(), train.numClasses());
        return new Result(knn, linear.top1(), linear.top5());
    }
}
