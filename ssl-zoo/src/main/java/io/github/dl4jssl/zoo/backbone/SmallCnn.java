package io.github.dl4jssl.zoo.backbone;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * A small 4-layer convolutional encoder for MNIST-sized images (28x28x1 by default), quick enough
 * to pre-train on a CPU.
 *
 * <p>Architecture: conv3x3(32) - conv3x3/2(64) - conv3x3(64) - conv3x3/2(128), each convolution
 * without bias and followed by BatchNormalization (Ioffe &amp; Szegedy, 2015) and ReLU, then global
 * average pooling to a 128-d feature vector. Convolutions use {@link ConvolutionMode#Same} and He
 * initialisation ({@link WeightInit#RELU}). It plays the role of the ResNet encoder f(·) of SimCLR
 * (Chen et al., ICML 2020) for small-scale experiments.
 *
 * <p>A width multiplier scales every layer's channels (at least 1 each), for experiments on model capacity
 * such as Li, Efros, Pathak 2022, where collapse grows when the model is small for the data.
 */
public final class SmallCnn implements Backbone {

    /** Name accepted by {@link Backbones#byName}. */
    public static final String NAME = "small-cnn";

    private static final int[] BASE_WIDTHS = {32, 64, 64, 128};
    private static final int[] STRIDES = {1, 2, 1, 2};

    private final int height;
    private final int width;
    private final int channels;
    private final LayerImplementation layers;
    private final double widthMultiplier;
    private final int[] widths;

    /** A SmallCnn for 28x28x1 images. */
    public SmallCnn() {
        this(28, 28, 1);
    }

    /**
     * @param height   image height (&gt; 0)
     * @param width    image width (&gt; 0)
     * @param channels image channels (&gt; 0)
     */
    public SmallCnn(int height, int width, int channels) {
        this(height, width, channels, LayerImplementation.DEFAULT);
    }

    /**
     * @param layers which convolution and batch-normalisation implementation to build (same function, different
     *               speed; {@link LayerImplementation#DEFAULT} unless comparing)
     */
    public SmallCnn(int height, int width, int channels, LayerImplementation layers) {
        this(height, width, channels, layers, 1.0);
    }

    /**
     * @param widthMultiplier factor on every layer's channels (&gt; 0; 1 = 32-64-64-128)
     */
    public SmallCnn(int height, int width, int channels, double widthMultiplier) {
        this(height, width, channels, LayerImplementation.DEFAULT, widthMultiplier);
    }

    /**
     * @param height          image height (&gt; 0)
     * @param width           image width (&gt; 0)
     * @param channels        image channels (&gt; 0)
     * @param layers          the convolution and batch-normalisation implementation
     * @param widthMultiplier factor on every layer's channels (&gt; 0; 1 = 32-64-64-128)
     */
    public SmallCnn(int height, int width, int channels, LayerImplementation layers, double widthMultiplier) {
        if (!(widthMultiplier > 0) || Double.isInfinite(widthMultiplier)) {
            throw new IllegalArgumentException("SmallCnn width multiplier must be a positive number, got " + widthMultiplier);
        }
        if (layers == null) {
            throw new IllegalArgumentException("SmallCnn layer implementation must not be null (use LayerImplementation.DEFAULT)");
        }
        if (height <= 0 || width <= 0 || channels <= 0) {
            throw new IllegalArgumentException("SmallCnn input size must be positive, got h=" + height
                    + ", w=" + width + ", c=" + channels);
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.layers = layers;
        this.widthMultiplier = widthMultiplier;
        this.widths = new int[BASE_WIDTHS.length];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(1, (int) Math.round(BASE_WIDTHS[i] * widthMultiplier));
        }
    }

    /** The convolution and batch-normalisation implementation this backbone builds. */
    @Override
    public LayerImplementation layers() { return layers; }

    @Override
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix) {
        String prev = input;
        for (int i = 0; i < widths.length; i++) {
            String conv = prefix + "conv" + (i + 1);
            if (layers == LayerImplementation.FUSED) { // one vertex per block, named after its convolution
                graph.addLayer(conv, layers.convBnRelu(3, graph, prev)
                        .stride(STRIDES[i], STRIDES[i])
                        .nOut(widths[i])
                        .convolutionMode(ConvolutionMode.Same)
                        .weightInit(WeightInit.RELU)
                        .build(), prev);
                prev = conv;
                continue;
            }
            String bn = prefix + "bn" + (i + 1);
            String relu = prefix + "relu" + (i + 1);
            graph.addLayer(conv, layers.convolution(3, graph, prev)
                    .stride(STRIDES[i], STRIDES[i])
                    .nOut(widths[i])
                    .convolutionMode(ConvolutionMode.Same)
                    .hasBias(false)
                    .activation(Activation.IDENTITY)
                    .weightInit(WeightInit.RELU)
                    .build(), prev);
            graph.addLayer(bn, layers.batchNormalization().build(), conv);
            graph.addLayer(relu, layers.relu(), bn);
            prev = relu;
        }
        String pool = prefix + "pool";
        graph.addLayer(pool, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
        return pool;
    }

    @Override
    public InputType inputType() { return InputType.convolutional(height, width, channels); }

    @Override
    public int featureSize() { return widths[widths.length - 1]; }

    /** The last convolution and its BatchNormalization (with {@link LayerImplementation#FUSED}: the last block). */
    @Override
    public java.util.List<String> finalStage() {
        return layers == LayerImplementation.FUSED ? java.util.List.of("conv" + widths.length)
                : java.util.List.of("conv" + widths.length, "bn" + widths.length);
    }

    /** @return the factor on every layer's channels */
    public double widthMultiplier() { return widthMultiplier; }

    @Override
    public String name() { return NAME; }

    @Override
    public String toString() {
        return NAME + "(" + height + "x" + width + "x" + channels
                + (widthMultiplier == 1.0 ? "" : ", width x" + widthMultiplier) + ", " + layers.id() + " layers)";
    }
}
