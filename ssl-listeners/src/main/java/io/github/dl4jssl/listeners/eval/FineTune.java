package io.github.dl4jssl.listeners.eval;

import io.github.dl4jssl.layers.NativeBuffers;
import io.github.dl4jssl.layers.NetworkSeed;
import java.util.Arrays;
import java.util.Random;

import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Fine-tuning evaluation of a pre-trained backbone (Chen et al., SimCLR, ICML 2020, Section 4.2 and
 * Appendix B.5): a softmax classifier is put on the backbone's feature vector and the whole network, backbone
 * included, is trained with cross-entropy on the labelled training images; reports top-1 and top-5 on the test
 * images. Unlike {@link LinearProbe}, the backbone's weights change; the given graph is left untouched (the
 * classifier is built on a copy with DL4J's {@link TransferLearning}). Adam, seeded shuffling; no augmentation
 * unless {@link #withAugmentation} gives one (each training image is then replaced by a random view of it every
 * epoch, as in supervised training from scratch on few labels).
 */
public final class FineTune {
    /** Name of the classifier layer added on top of the backbone. */
    public static final String CLASSIFIER = "finetune_classifier";

    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final long seed;
    private final View augmentation;

    /**
     * @param epochs       passes over the training images (&gt; 0)
     * @param batchSize    images per step (&gt; 0)
     * @param learningRate Adam learning rate of backbone and classifier (&gt; 0)
     * @param seed         seed of the classifier's initialisation and of the shuffling
     */
    public FineTune(int epochs, int batchSize, double learningRate, long seed) {
        this(epochs, batchSize, learningRate, seed, null);
    }

    private FineTune(int epochs, int batchSize, double learningRate, long seed, View augmentation) {
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("fine-tuning needs epochs >= 1, batch size >= 1 and a positive finite "
                    + "learning rate, got epochs " + epochs + ", batch " + batchSize + ", lr " + learningRate);
        }
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.learningRate = learningRate;
        this.seed = NetworkSeed.check("seed", seed);
        this.augmentation = augmentation;
    }

    /**
     * The same fine-tuning with every training image replaced by a random view of it (e.g. a random resized crop
     * and a flip) each time it is used; the views must keep the image's shape. The views' randomness comes from a
     * generator seeded with the seed, so runs repeat.
     */
    public FineTune withAugmentation(View augmentation) {
        if (augmentation == null) {
            throw new IllegalArgumentException("augmentation must not be null (use the plain FineTune for none)");
        }
        return new FineTune(epochs, batchSize, learningRate, seed, augmentation);
    }

    /**
     * A random view of one training image, e.g. ssl-zoo's {@code ImageTransform} (pass {@code transform::apply}).
     * Images are float arrays in CHW layout; the view must have the input's length, and all randomness must come
     * from {@code rnd}.
     */
    @FunctionalInterface
    public interface View {
        float[] apply(float[] chw, int c, int h, int w, Random rnd);
    }

    /** Top-1 and top-5 accuracy of the fine-tuned network on the test images. */
    public record Result(double top1, double top5) {
    }

    /**
     * Fine-tunes a copy of {@code backbone} (one input, one feature-vector output) on the training images.
     *
     * @param trainImages [N, C, H, W] images
     * @param trainLabels N class indices
     * @param testImages  [M, C, H, W] images
     * @param testLabels  M class indices
     */
    public Result evaluate(ComputationGraph backbone, INDArray trainImages, int[] trainLabels, INDArray testImages,
                           int[] testLabels, int numClasses) {
        if (trainImages.size(0) != trainLabels.length || testImages.size(0) != testLabels.length) {
            throw new IllegalArgumentException("images and labels differ in number: " + trainImages.size(0) + " vs "
                    + trainLabels.length + " (train), " + testImages.size(0) + " vs " + testLabels.length + " (test)");
        }
        FeatureExtractor.checkImageShape(backbone, trainImages.shape());
        FeatureExtractor.checkImageShape(backbone, testImages.shape());
        if (augmentation != null && trainImages.rank() == 4) {
            checkViewShape(trainImages);
        }
        ComputationGraph net = classifier(backbone, numClasses,
                trainImages.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)));
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, trainLabels.length, numClasses);
        for (int i = 0; i < trainLabels.length; i++) {
            oneHot.putScalar(i, trainLabels[i], 1.0);
        }
        INDArray flat = trainImages.dup('c').reshape('c', trainImages.size(0), trainImages.length() / trainImages.size(0));
        Random rng = new Random(seed);
        Random viewRng = new Random(seed + 1);
        int[] order = java.util.stream.IntStream.range(0, trainLabels.length).toArray();
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int start = 0; start < order.length; start += batchSize) {
                int[] idx = Arrays.copyOfRange(order, start, Math.min(order.length, start + batchSize));
                if (idx.length < 2) {
                    continue; // BatchNorm needs more than one row
                }
                long[] shape = trainImages.shape().clone();
                shape[0] = idx.length;
                INDArray rows = Nd4j.pullRows(flat, 1, idx);
                INDArray views = augmentation != null ? augment(rows, shape, viewRng) : rows;
                INDArray labels = Nd4j.pullRows(oneHot, 1, idx);
                net.fit(new DataSet(views.reshape('c', shape), labels));
                NativeBuffers.release(rows, views, labels);
            }
        }
        NativeBuffers.release(flat, oneHot);
        INDArray scores = Nd4j.create(DataType.FLOAT, testLabels.length, numClasses);
        for (long start = 0; start < testLabels.length; start += 512) {
            long end = Math.min(testLabels.length, start + 512);
            scores.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end), org.nd4j.linalg.indexing.NDArrayIndex.all())
                    .assign(net.outputSingle(false, testImages.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end))));
        }
        Result result = new Result(LinearProbe.accuracy(scores, testLabels, 1), LinearProbe.accuracy(scores, testLabels, 5));
        NativeBuffers.release(scores);
        return result;
    }

    /** Fails, before any training, when a view of the first training image does not keep the image's shape. */
    private void checkViewShape(INDArray trainImages) {
        int c = (int) trainImages.size(1);
        int h = (int) trainImages.size(2);
        int w = (int) trainImages.size(3);
        float[] first = Nd4j.toFlattened('c', trainImages.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)))
                .toFloatVector();
        int length = augmentation.apply(first, c, h, w, new Random(seed)).length;
        if (length != first.length) {
            throw new IllegalArgumentException("the augmentation turns " + c + "x" + h + "x" + w + " images ("
                    + first.length + " values) into views of " + length + " values; fine-tuning needs views of the "
                    + "input's shape (e.g. a random resized crop to the image's own size)");
        }
    }

    /** Random views of the rows of {@code flat} (one image [C, H, W] per row), same shape. */
    private INDArray augment(INDArray flat, long[] shape, Random rng) {
        int c = (int) shape[1];
        int h = (int) shape[2];
        int w = (int) shape[3];
        float[][] views = new float[(int) flat.size(0)][];
        for (int i = 0; i < views.length; i++) {
            views[i] = augmentation.apply(flat.getRow(i).toFloatVector(), c, h, w, rng);
        }
        return Nd4j.create(views);
    }

    /** A copy of the backbone with a softmax classifier on its output, every layer trainable with Adam. */
    ComputationGraph classifier(ComputationGraph backbone, int numClasses, INDArray oneImage) {
        if (backbone.getNumInputArrays() != 1 || backbone.getNumOutputArrays() != 1) {
            throw new IllegalArgumentException("fine-tuning needs a backbone graph with one input and one output, got "
                    + backbone.getNumInputArrays() + " and " + backbone.getNumOutputArrays());
        }
        String features = backbone.getConfiguration().getNetworkOutputs().get(0);
        long featureSize = backbone.outputSingle(false, oneImage).size(1);
        return new TransferLearning.GraphBuilder(backbone.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(learningRate)).seed(seed).build())
                .addLayer(CLASSIFIER, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(featureSize)
                        .nOut(numClasses).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), features)
                .setOutputs(CLASSIFIER)
                .build();
    }
}
