package io.github.dl4jssl.zoo.backbone;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * ResNet-18 (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016) in the CIFAR
 * variant used by SimCLR (Chen et al., ICML 2020, Appendix B.9): the ImageNet 7x7/2 stem and the
 * max-pool are replaced by a single 3x3/1 convolution, so 32x32 images keep their resolution in
 * the first stage.
 *
 * <p>Layout: stem conv3x3(w) - BN - ReLU; four stages of two BasicBlocks with widths
 * w, 2w, 4w, 8w (w = 64 by default, i.e. 64-128-256-512); the first block of stages 2-4 has
 * stride 2 and a 1x1 conv + BN projection shortcut. A BasicBlock is conv3x3 - BN - ReLU - conv3x3
 * - BN, added to the shortcut with an {@link ElementWiseVertex} ({@code Op.Add}), then ReLU.
 * Global average pooling gives an 8w-d (512-d) feature vector. Convolutions have no bias (BN
 * follows) and use He initialisation ({@link WeightInit#RELU}).
 *
 * <p>Vertex names carry stage and block, e.g. {@code prefix + "stage1_block0_conv1"},
 * {@code prefix + "stage2_block0_shortcut_conv"}, {@code prefix + "stage4_block1_out"} (the
 * block's output after the final ReLU), so single stages can be selected by name.
 */
public final class ResNet18Cifar implements Backbone {

    /** Name accepted by {@link Backbones#byName}. */
    public static final String NAME = "resnet18-cifar";

    /** Number of BasicBlocks in each of the four stages. */
    public static final int BLOCKS_PER_STAGE = 2;

    /** Number of stages. */
    public static final int STAGES = 4;

    private final int height;
    private final int width;
    private final int channels;
    private final int baseWidth;
    private final LayerImplementation layers;

    /** The standard CIFAR ResNet-18: 32x32x3 input, widths 64-128-256-512. */
    public ResNet18Cifar() {
        this(32, 32, 3, 64);
    }

    /** ResNet-18 with widths 64-128-256-512 for the given input size. */
    public ResNet18Cifar(int height, int width, int channels) {
        this(height, width, channels, 64);
    }

    /**
     * @param height    image height (&gt; 0)
     * @param width     image width (&gt; 0)
     * @param channels  image channels (&gt; 0)
     * @param baseWidth width of the stem and stage 1 (64 in the standard network); stages 2-4 use
     *                  2x, 4x and 8x this width. Small values (e.g. 8) give a cheap network for tests.
     */
    public ResNet18Cifar(int height, int width, int channels, int baseWidth) {
        this(height, width, channels, baseWidth, LayerImplementation.DEFAULT);
    }

    /**
     * As {@link #ResNet18Cifar(int, int, int, int)}, built from the given convolution and batch-normalisation
     * implementation (same function, different speed; {@link LayerImplementation#DEFAULT} unless comparing).
     */
    public ResNet18Cifar(int height, int width, int channels, int baseWidth, LayerImplementation layers) {
        if (layers == null) {
            throw new IllegalArgumentException("ResNet18Cifar layer implementation must not be null (use LayerImplementation.DEFAULT)");
        }
        if (height <= 0 || width <= 0 || channels <= 0) {
            throw new IllegalArgumentException("ResNet18Cifar input size must be positive, got h=" + height
                    + ", w=" + width + ", c=" + channels);
        }
        if (baseWidth <= 0) {
            throw new IllegalArgumentException("ResNet18Cifar baseWidth must be positive, got " + baseWidth);
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.baseWidth = baseWidth;
        this.layers = layers;
    }

    /** The convolution and batch-normalisation implementation this backbone builds. */
    @Override
    public LayerImplementation layers() { return layers; }

    /** Width of the stem and the first stage (64 in the standard network). */
    public int baseWidth() { return baseWidth; }

    @Override
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix) {
        String prev = convBnRelu(graph, prefix + "stem", input, baseWidth, 1);
        for (int stage = 1; stage <= STAGES; stage++) {
            int stageWidth = baseWidth << (stage - 1);
            for (int block = 0; block < BLOCKS_PER_STAGE; block++) {
                int stride = (stage > 1 && block == 0) ? 2 : 1;
                // the shape changes (stride 2, doubled width) exactly in the first block of
                // stages 2-4; stage 1 keeps the stem's width and resolution (identity shortcut)
                boolean project = stride != 1;
                prev = basicBlock(graph, prefix + "stage" + stage + "_block" + block, prev, stageWidth, stride,
                        project);
            }
        }
        String pool = prefix + "pool";
        graph.addLayer(pool, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
        return pool;
    }

    private String basicBlock(ComputationGraphConfiguration.GraphBuilder g, String name, String input,
                                     int nOut, int stride, boolean project) {
        g.addLayer(name + "_conv1", conv(3, stride, nOut), input);
        g.addLayer(name + "_bn1", layers.batchNormalization().build(), name + "_conv1");
        g.addLayer(name + "_relu1", relu(), name + "_bn1");
        g.addLayer(name + "_conv2", conv(3, 1, nOut), name + "_relu1");
        g.addLayer(name + "_bn2", layers.batchNormalization().build(), name + "_conv2");
        String shortcut = input;
        if (project) {
            g.addLayer(name + "_shortcut_conv", conv(1, stride, nOut), input);
            g.addLayer(name + "_shortcut_bn", layers.batchNormalization().build(), name + "_shortcut_conv");
            shortcut = name + "_shortcut_bn";
        }
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "_bn2", shortcut);
        g.addLayer(name + "_out", relu(), name + "_add");
        return name + "_out";
    }

    private String convBnRelu(ComputationGraphConfiguration.GraphBuilder g, String name, String input,
                                     int nOut, int stride) {
        g.addLayer(name + "_conv", conv(layers.convolution(3, g, input), stride, nOut), input);
        g.addLayer(name + "_bn", layers.batchNormalization().build(), name + "_conv");
        g.addLayer(name + "_relu", relu(), name + "_bn");
        return name + "_relu";
    }

    private ConvolutionLayer conv(int kernel, int stride, int nOut) {
        return conv(layers.convolution(kernel), stride, nOut);
    }

    private static ConvolutionLayer conv(ConvolutionLayer.Builder builder, int stride, int nOut) {
        return builder
                .stride(stride, stride)
                .nOut(nOut)
                .convolutionMode(ConvolutionMode.Same)
                .hasBias(false)
                .activation(Activation.IDENTITY)
                .weightInit(WeightInit.RELU)
                .build();
    }

    private ActivationLayer relu() {
        return layers.relu();
    }

    @Override
    public InputType inputType() { return InputType.convolutional(height, width, channels); }

    @Override
    public int featureSize() { return baseWidth * 8; }

    @Override
    public String name() { return NAME; }

    /** The four residual stages' last, {@code stage4}. */
    @Override
    public java.util.List<String> finalStage() { return java.util.List.of("stage4"); }

    @Override
    public String toString() {
        return NAME + "(" + height + "x" + width + "x" + channels + ", baseWidth=" + baseWidth + ")";
    }
}
