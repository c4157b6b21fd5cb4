package io.github.dl4jssl.pretrained;

import io.github.dl4jssl.listeners.eval.KnnClassifier;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The measurement behind a card's {@link PretrainedCard.SubsetCheck}: the weighted kNN of {@code train}'s protocol
 * (k = 200, cosine similarity, temperature 0.1) with the first {@code bankImages} training images as bank, on the
 * first {@code testImages} test images. Small enough to repeat in seconds, so a test can check that the shipped
 * weights are the ones the card describes.
 */
public final class SubsetKnn {
    private static final int BATCH = 512;

    private SubsetKnn() {
    }

    /** The kNN top-1 (a fraction) of {@code backbone}: bank the first {@code bankImages} of {@code train}, queries the first {@code testImages} of {@code test}. */
    public static double top1(ComputationGraph backbone, LabelledImages train, LabelledImages test, int bankImages, int testImages) {
        if (bankImages < 1 || testImages < 1 || bankImages > train.size() || testImages > test.size()) {
            throw new IllegalArgumentException("the check needs 1.." + train.size() + " bank and 1.." + test.size()
                    + " test images, got " + bankImages + " and " + testImages);
        }
        LabelledImages bank = train.subset(bankImages);
        LabelledImages queries = test.subset(testImages);
        INDArray bankFeatures = FeatureExtractor.extract(backbone, bank.features(), BATCH);
        INDArray testFeatures = FeatureExtractor.extract(backbone, queries.features(), BATCH);
        return KnnClassifier.evaluate(bankFeatures, bank.labels(), testFeatures, queries.labels(),
                KnnClassifier.DEFAULT_K, KnnClassifier.DEFAULT_TEMPERATURE).top1();
    }
}
