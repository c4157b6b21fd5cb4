package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.NativeConvolutionLayerImpl;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link NativeConvolutionLayer} and {@link NativeBatchNormalization}: double-precision gradient checks, outputs
 * against a direct loop / plain ND4J formula, outputs and gradients against DL4J's own layers, JSON and
 * ModelSerializer round trips.
 */
@ExtendWith(DoublePrecision.class)
class NativeLayersTest {


    private static ConvolutionLayer.Builder conv(boolean nativeLayer, int k) {
        return nativeLayer ? new NativeConvolutionLayer.Builder(k, k) : new ConvolutionLayer.Builder(k, k);
    }

    private static BatchNormalization.Builder bn(boolean nativeLayer) {
        return nativeLayer ? new NativeBatchNormalization.Builder() : new BatchNormalization.Builder();
    }

    /** in [2, 5, 5] -> conv 3x3/2 Same, bias, tanh -> BN -> conv 2x2 Truncate, no bias, dilation 1 -> BN -> MSE(3). */
    static ComputationGraph net(boolean nativeLayers, CNN2DFormat format) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(5, 5, 2, format))
                .addLayer("conv1", conv(nativeLayers, 3).stride(2, 2).nOut(3).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).dataFormat(format).build(), "in")
                .addLayer("bn1", bn(nativeLayers).build(), "conv1")
                .addLayer("conv2", conv(nativeLayers, 2).stride(1, 1).nOut(4).convolutionMode(ConvolutionMode.Truncate)
                        .hasBias(false).activation(Activation.IDENTITY).dataFormat(format).build(), "bn1")
                .addLayer("bn2", bn(nativeLayers).build(), "conv2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "bn2")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // gamma/beta away from 1/0, so that their gradients and the affine step are tested
        for (String b : new String[]{"bn1", "bn2"}) {
            g.getLayer(b).getParam("gamma").assign(Nd4j.rand(DataType.DOUBLE, g.getLayer(b).getParam("gamma").shape()).addi(0.5));
            g.getLayer(b).getParam("beta").assign(Nd4j.rand(DataType.DOUBLE, g.getLayer(b).getParam("beta").shape()).subi(0.5));
        }
        return g;
    }

    private static INDArray input(CNN2DFormat format) {
        Nd4j.getRandom().setSeed(9);
        return format == CNN2DFormat.NCHW ? Nd4j.randn(DataType.DOUBLE, 4, 2, 5, 5) : Nd4j.randn(DataType.DOUBLE, 4, 5, 5, 2);
    }

    @Test
    void gradientCheckDoublePrecision() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            ComputationGraph g = net(true, format);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 3);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{input(format)}).labels(new INDArray[]{labels})
                    .excludeParams(Set.of("bn1_mean", "bn1_log10stdev", "bn2_mean", "bn2_log10stdev"))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)), "format " + format);
        }
    }

    @Test
    void sameOutputsGradientsAndRunningStatisticsAsDl4jLayers() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            ComputationGraph slow = net(false, format);
            ComputationGraph fast = net(true, format);
            assertEquals(slow.params(), fast.params());
            INDArray x = input(format);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 3);
            for (boolean train : new boolean[]{true, false}) {
                Map<String, INDArray> a = slow.feedForward(x, train);
                Map<String, INDArray> b = fast.feedForward(x, train);
                for (String v : new String[]{"conv1", "bn1", "conv2", "bn2", "out"}) {
                    assertTrue(a.get(v).equalsWithEps(b.get(v), 1e-10), v + " train=" + train + " " + format);
                }
            }
            for (ComputationGraph g : new ComputationGraph[]{slow, fast}) {
                g.setInputs(x);
                g.setLabels(labels);
                g.computeGradientAndScore();
            }
            assertEquals(slow.score(), fast.score(), 1e-12);
            slow.gradient().gradientForVariable().forEach((k, v) -> assertTrue(
                    v.equalsWithEps(fast.gradient().gradientForVariable().get(k), 1e-7),
                    "gradient " + k + " " + format + ": " + v.shapeInfoToString() + " vs "
                            + fast.gradient().gradientForVariable().get(k).shapeInfoToString() + " diff "
                            + v.sub(fast.gradient().gradientForVariable().get(k)).amaxNumber()));
        }
    }

    @Test
    void sameGradientsWhenCol2imRunsInChunksOfImages() {
        // 4 images; columns per image: 2*3*3 x 3*3 = 162 elements in conv1, 3*2*2 x 2*2 = 48 in conv2 (whose input
        // gradient reaches conv1). A scratch of 100 elements makes chunks of 1 and 2 images, 150 of 1 and 3 (then a
        // partial chunk of 1), the default one chunk of 4
        ComputationGraph slow = net(false, CNN2DFormat.NCHW);
        INDArray x = input(CNN2DFormat.NCHW);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 3);
        slow.setInputs(x);
        slow.setLabels(labels);
        slow.computeGradientAndScore();
        try {
            for (long scratch : new long[]{100, 150, NativeConvolutionLayerImpl.DEFAULT_SCRATCH_SIZE}) {
                NativeConvolutionLayerImpl.setScratchSize(scratch);
                ComputationGraph fast = net(true, CNN2DFormat.NCHW);
                fast.setInputs(x);
                fast.setLabels(labels);
                fast.computeGradientAndScore();
                assertEquals(slow.score(), fast.score(), 1e-12, "scratch " + scratch);
                slow.gradient().gradientForVariable().forEach((k, v) -> assertTrue(
                        v.equalsWithEps(fast.gradient().gradientForVariable().get(k), 1e-7), "gradient " + k + ", scratch " + scratch));
            }
        } finally {
            NativeConvolutionLayerImpl.setScratchSize(NativeConvolutionLayerImpl.DEFAULT_SCRATCH_SIZE);
        }
        assertThrows(IllegalArgumentException.class, () -> NativeConvolutionLayerImpl.setScratchSize(0));
    }

    /** conv (kernel, stride, dilation, padding, mode) -> tanh -> MSE: the same loss and gradients as DL4J's layer. */
    @Test
    void sameGradientsForStridesDilationsAndPaddings() {
        int[][] configs = { // kH, kW, sH, sW, dH, dW, pH, pW, mode (0 Same, 1 Truncate)
                {3, 3, 1, 1, 1, 1, 0, 0, 0}, {3, 2, 2, 1, 1, 1, 0, 0, 0}, {3, 3, 1, 1, 2, 2, 0, 0, 0},
                {2, 3, 2, 2, 1, 2, 0, 0, 0}, {3, 3, 2, 1, 1, 1, 1, 2, 1}, {1, 1, 1, 1, 1, 1, 0, 0, 1}, {3, 3, 1, 2, 2, 1, 2, 1, 1},
                // outputs of width 1 (and 1x1) at strides above 1, as in ResNet's last stage on small images
                {3, 3, 4, 4, 1, 1, 0, 0, 1}, {2, 2, 5, 5, 1, 1, 0, 0, 1}};
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, 7, 6);
        for (int[] c : configs) {
            String what = java.util.Arrays.toString(c);
            ComputationGraph[] graphs = new ComputationGraph[2];
            for (int i = 0; i < 2; i++) {
                ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                        .updater(new NoOp()).graphBuilder().addInputs("in")
                        .setInputTypes(InputType.convolutional(7, 6, 2))
                        .addLayer("conv", conv(i == 1, 1).kernelSize(c[0], c[1]).stride(c[2], c[3]).dilation(c[4], c[5])
                                .padding(c[6], c[7]).convolutionMode(c[8] == 0 ? ConvolutionMode.Same : ConvolutionMode.Truncate)
                                .nOut(3).activation(Activation.TANH).build(), "in")
                        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                                .activation(Activation.IDENTITY).build(), "conv")
                        .setOutputs("out").build();
                graphs[i] = new ComputationGraph(conf);
                graphs[i].init();
                graphs[i].setInputs(x);
                graphs[i].setLabels(Nd4j.ones(DataType.DOUBLE, 3, 2));
                graphs[i].computeGradientAndScore();
            }
            assertEquals(graphs[0].score(), graphs[1].score(), 1e-12, what);
            graphs[0].gradient().gradientForVariable().forEach((k, v) -> assertTrue(
                    v.equalsWithEps(graphs[1].gradient().gradientForVariable().get(k), 1e-9), "gradient " + k + " " + what));
            // the input gradient too (the first layer's epsilon is otherwise unused)
            INDArray[] eps = TestGraphs.inputGradients("conv", x, graphs);
            assertTrue(eps[0].equalsWithEps(eps[1], 1e-9), "input gradient " + what);
        }
    }

    @Test
    void convolutionEqualsADirectLoop() {
        ComputationGraph g = net(true, CNN2DFormat.NCHW);
        INDArray x = input(CNN2DFormat.NCHW);
        INDArray w = g.getLayer("conv1").getParam("W"); // [3, 2, 3, 3]
        INDArray b = g.getLayer("conv1").getParam("b");
        INDArray out = g.feedForward(x, false).get("conv1"); // tanh(conv), [4, 3, 3, 3]
        // Same mode, 5x5 input, stride 2, 3x3 kernel: 3x3 output, total padding (3-1)*2+3-5 = 2, one on each side
        for (int n = 0; n < 4; n++) {
            for (int o = 0; o < 3; o++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        double s = b.getDouble(0, o);
                        for (int c = 0; c < 2; c++) {
                            for (int ki = 0; ki < 3; ki++) {
                                for (int kj = 0; kj < 3; kj++) {
                                    int r = i * 2 + ki - 1;
                                    int q = j * 2 + kj - 1;
                                    if (r >= 0 && r < 5 && q >= 0 && q < 5) {
                                        s += w.getDouble(o, c, ki, kj) * x.getDouble(n, c, r, q);
                                    }
                                }
                            }
                        }
                        assertEquals(Math.tanh(s), out.getDouble(n, o, i, j), 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void batchNormalizationEqualsThePlainFormula() {
        ComputationGraph g = net(true, CNN2DFormat.NCHW);
        INDArray conv = g.feedForward(input(CNN2DFormat.NCHW), true).get("conv1");
        INDArray bnOut = g.feedForward(input(CNN2DFormat.NCHW), true).get("bn1");
        INDArray gamma = g.getLayer("bn1").getParam("gamma");
        INDArray beta = g.getLayer("bn1").getParam("beta");
        for (int c = 0; c < 3; c++) {
            INDArray channel = conv.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c)).dup();
            double mean = channel.meanNumber().doubleValue();
            double var = channel.sub(mean).muli(channel.sub(mean)).meanNumber().doubleValue();
            INDArray expected = channel.sub(mean).divi(Math.sqrt(var + 1e-5)).muli(gamma.getDouble(c)).addi(beta.getDouble(c));
            INDArray actual = bnOut.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            assertTrue(expected.equalsWithEps(actual, 1e-10), "channel " + c);
        }
    }

    @Test
    void jsonAndModelSerializerRoundTrip(@TempDir File dir) throws Exception {
        ComputationGraph g = net(true, CNN2DFormat.NCHW);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back);
        assertInstanceOf(NativeConvolutionLayer.class, back.getVertices().get("conv1") instanceof
                org.deeplearning4j.nn.conf.graph.LayerVertex lv ? lv.getLayerConf().getLayer() : null);
        assertNotEquals(net(false, CNN2DFormat.NCHW).getConfiguration(), g.getConfiguration(),
                "a native layer is not equal to DL4J's");
        File f = new File(dir, "net.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        INDArray x = input(CNN2DFormat.NCHW);
        assertEquals(g.outputSingle(false, x), restored.outputSingle(false, x));
        assertInstanceOf(io.github.dl4jssl.layers.impl.NativeBatchNormalizationImpl.class, restored.getLayer("bn1"));
    }
}
