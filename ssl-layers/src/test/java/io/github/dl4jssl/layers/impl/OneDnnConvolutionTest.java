package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeConvolutionLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oneDNN path of the native convolution ({@link OneDnnConvolution}, float only): the same loss, weight and bias
 * gradients and input gradient as DL4J's own {@link ConvolutionLayer} computed in double precision, for strides,
 * dilations, Same and Truncate padding, rectangular kernels, one input channel and outputs of width 1; inputs that
 * are not dense; the geometry cache; and which layers keep the column path. oneDNN cannot run in double, so the
 * tolerance is float's: 2e-5 of the largest reference value. The double-precision gradient checks of the column path
 * are in {@code NativeLayersTest} and {@code TransposedInputGradientTest}.
 */
class OneDnnConvolutionTest {

    @AfterEach
    void restore() {
        OneDnn.setEnabled(true);
    }

    /**
     * in [inC, h, w] -> "conv" (kernel c[0] x c[1], stride c[2], c[3], dilation c[4], c[5], padding c[6], c[7], Same
     * mode if c[8] == 0 else Truncate, bias if c[9] == 1; tanh) -> MSE output of 2; DL4J's layer or the native one.
     */
    static ComputationGraph graph(boolean nativeLayer, DataType type, int[] c, int inC, int outC, int h, int w) {
        ConvolutionLayer.Builder b = nativeLayer ? new NativeConvolutionLayer.Builder(c[0], c[1]) : new ConvolutionLayer.Builder(c[0], c[1]);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(type)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(h, w, inC))
                .addLayer("conv", b.stride(c[2], c[3]).dilation(c[4], c[5]).padding(c[6], c[7])
                        .convolutionMode(c[8] == 0 ? ConvolutionMode.Same : ConvolutionMode.Truncate)
                        .nOut(outC).hasBias(c[9] == 1).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "conv")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** |a - reference| <= 2e-5 * max |reference|, elementwise. */
    private static void assertClose(INDArray reference, INDArray actual, String what) {
        assertTrue(Arrays.equals(reference.shape(), actual.shape()), what + ": shape " + Arrays.toString(actual.shape()));
        INDArray r = reference.castTo(DataType.DOUBLE);
        double scale = Math.max(1e-12, r.amaxNumber().doubleValue());
        double err = r.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(err <= 2e-5 * scale, what + ": largest difference " + err + " against a largest value of " + scale);
    }

    /** The float native layer against DL4J's in double, on the same parameters and input. */
    private static void checkAgainstDl4jInDouble(int[] c, int inC, int outC, int h, int w) {
        String what = Arrays.toString(c) + " " + inC + "->" + outC + " " + h + "x" + w;
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, inC, h, w);
        ComputationGraph reference = graph(false, DataType.DOUBLE, c, inC, outC, h, w);
        ComputationGraph oneDnn = graph(true, DataType.FLOAT, c, inC, outC, h, w);
        oneDnn.params().assign(reference.params().castTo(DataType.FLOAT));
        INDArray xf = x.castTo(DataType.FLOAT);
        assertTrue(((NativeConvolutionLayerImpl) oneDnn.getLayer("conv")).usesOneDnn(xf), "oneDNN path expected for " + what);
        reference.setInputs(x);
        reference.setLabels(Nd4j.ones(DataType.DOUBLE, 3, 2));
        reference.computeGradientAndScore();
        oneDnn.setInputs(xf);
        oneDnn.setLabels(Nd4j.ones(DataType.FLOAT, 3, 2));
        oneDnn.computeGradientAndScore();
        assertEquals(reference.score(), oneDnn.score(), 2e-5 * Math.abs(reference.score()), "score " + what);
        Map<String, INDArray> expected = reference.gradient().gradientForVariable();
        Map<String, INDArray> actual = oneDnn.gradient().gradientForVariable();
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertClose(v, actual.get(k), "gradient " + k + " " + what));
        INDArray dOut = Nd4j.randn(DataType.DOUBLE, reference.feedForward(x, false).get("conv").shape());
        assertClose(inputGradient(reference, x, dOut), inputGradient(oneDnn, xf, dOut.castTo(DataType.FLOAT)), "input gradient " + what);
    }

    private static INDArray inputGradient(ComputationGraph g, INDArray x, INDArray dOut) {
        org.deeplearning4j.nn.api.Layer layer = g.getLayer("conv");
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        layer.activate(true, mgr);
        return layer.backpropGradient(dOut, mgr).getSecond();
    }

    @Test
    void oneDnnLoadsOnThisPlatform() {
        // CI runs on linux-x86_64, where bytedeco ships oneDNN: without it every test below would pass vacuously
        assertTrue(OneDnn.available(), "oneDNN did not load");
    }

    @Test
    void sameGradientsAsDl4jInDoubleForStridesDilationsAndPaddings() {
        int[][] configs = { // kH, kW, sH, sW, dH, dW, pH, pW, mode (0 Same, 1 Truncate), bias
                {3, 3, 1, 1, 1, 1, 0, 0, 0, 1}, {3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, {3, 2, 2, 1, 1, 1, 0, 0, 0, 1},
                {3, 3, 1, 1, 2, 2, 0, 0, 0, 1}, {2, 3, 2, 2, 1, 2, 0, 0, 0, 0}, {3, 3, 2, 1, 1, 1, 1, 2, 1, 1},
                {1, 1, 1, 1, 1, 1, 0, 0, 1, 1}, {3, 3, 1, 2, 2, 1, 2, 1, 1, 0}, {2, 2, 1, 1, 1, 1, 0, 0, 0, 1},
                {3, 3, 2, 2, 1, 1, 0, 0, 0, 0}, {3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
                // outputs of width 1 (and 1x1) at strides above 1, as in ResNet's last stage on small images
                {3, 3, 4, 4, 1, 1, 0, 0, 1, 1}, {2, 2, 5, 5, 1, 1, 0, 0, 1, 0}};
        for (int[] c : configs) {
            checkAgainstDl4jInDouble(c, 2, 3, 7, 6);
        }
        // SmallCnn's shapes in small: one input channel, then more channels than oneDNN's block of 16
        checkAgainstDl4jInDouble(new int[]{3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, 1, 32, 8, 8);
        checkAgainstDl4jInDouble(new int[]{3, 3, 2, 2, 1, 1, 0, 0, 0, 0}, 32, 20, 8, 8);
        checkAgainstDl4jInDouble(new int[]{3, 3, 1, 1, 1, 1, 0, 0, 0, 1}, 20, 17, 5, 5);
    }

    @Test
    void inputsThatAreNotDenseGiveTheSameResult() {
        ComputationGraph g = graph(true, DataType.FLOAT, new int[]{3, 3, 2, 2, 1, 1, 0, 0, 0, 1}, 3, 4, 7, 6);
        INDArray nhwc = Nd4j.randn(DataType.FLOAT, 2, 7, 6, 3);
        INDArray permuted = nhwc.permute(0, 3, 1, 2); // NCHW shape, NHWC memory
        assertFalse(OneDnnConvolution.isDense(permuted));
        INDArray dense = permuted.dup('c');
        assertTrue(OneDnnConvolution.isDense(dense));
        g.initGradientsView();
        NativeConvolutionLayerImpl layer = (NativeConvolutionLayerImpl) g.getLayer("conv");
        assertTrue(layer.usesOneDnn(permuted));
        INDArray dOut = Nd4j.randn(DataType.FLOAT, 2, 4, 4, 3).dup('f'); // the output's shape, column-major
        assertFalse(OneDnnConvolution.isDense(dOut));
        INDArray[] a = passes(layer, permuted, dOut);
        INDArray[] b = passes(layer, dense, dOut.dup('c'));
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i], a[i], "result " + i);
        }
    }

    /** Output, input gradient and weight gradient of one training-mode pass. */
    private static INDArray[] passes(NativeConvolutionLayerImpl layer, INDArray x, INDArray dOut) {
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        INDArray out = layer.activate(true, mgr).dup();
        var result = layer.backpropGradient(dOut, mgr);
        return new INDArray[]{out, result.getSecond().dup(), result.getFirst().getGradientFor("W").dup(),
                result.getFirst().getGradientFor("b").dup()};
    }

    @Test
    void primitivesOfTwoBatchSizesAreKeptAndOlderOnesReplaced() {
        ComputationGraph g = graph(true, DataType.FLOAT, new int[]{3, 3, 1, 1, 1, 1, 0, 0, 0, 1}, 2, 3, 5, 5);
        NativeConvolutionLayerImpl layer = (NativeConvolutionLayerImpl) g.getLayer("conv");
        INDArray first = null;
        for (int n : new int[]{4, 3, 4, 3, 2, 4}) {
            Nd4j.getRandom().setSeed(n);
            INDArray x = Nd4j.randn(DataType.FLOAT, n, 2, 5, 5);
            INDArray out = g.outputSingle(x);
            assertTrue(layer.oneDnnGeometries() <= 2, "geometries kept: " + layer.oneDnnGeometries());
            if (n == 4 && first == null) {
                first = out;
            } else if (n == 4) {
                assertEquals(first, out, "a replaced and rebuilt geometry computes the same"); // same seed, same input
            }
        }
        assertEquals(2, layer.oneDnnGeometries());
        // the column path reads the same parameters: the same output to float precision
        OneDnn.setEnabled(false);
        Nd4j.getRandom().setSeed(4);
        assertClose(first, g.outputSingle(Nd4j.randn(DataType.FLOAT, 4, 2, 5, 5)), "column path");
    }

    @Test
    void doublePrecisionAndTheSwitchKeepTheColumnPath() {
        int[] c = {3, 3, 1, 1, 1, 1, 0, 0, 0, 1};
        ComputationGraph d = graph(true, DataType.DOUBLE, c, 2, 3, 5, 5);
        assertFalse(((NativeConvolutionLayerImpl) d.getLayer("conv")).usesOneDnn(Nd4j.randn(DataType.DOUBLE, 2, 2, 5, 5)));
        ComputationGraph f = graph(true, DataType.FLOAT, c, 2, 3, 5, 5);
        NativeConvolutionLayerImpl layer = (NativeConvolutionLayerImpl) f.getLayer("conv");
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 2, 5, 5);
        assertTrue(layer.usesOneDnn(x));
        OneDnn.setEnabled(false);
        assertFalse(layer.usesOneDnn(x));
    }

    @Test
    void geometryPadsTheBottomRightAsDl4jDoes() {
        // Same mode, 28x28, stride 2, 3x3: 14x14 out, DL4J pads 0 on top/left and 1 on bottom/right
        OneDnnConvolution.Geometry g = OneDnnConvolution.Geometry.of(2, 1, 28, 28, 4, 14, 14, new int[]{3, 3},
                new int[]{2, 2}, new int[]{1, 1}, new int[]{0, 0}, false);
        assertEquals(1, g.padBottom());
        assertEquals(1, g.padRight());
        assertTrue(g.consistent());
        // Truncate, 7 rows, kernel 3, stride 2, no padding: 3 rows out, the last input row unused, no padding needed
        OneDnnConvolution.Geometry t = OneDnnConvolution.Geometry.of(2, 1, 7, 6, 4, 3, 2, new int[]{3, 3},
                new int[]{2, 2}, new int[]{1, 1}, new int[]{0, 0}, false);
        assertEquals(0, t.padBottom());
        assertEquals(0, t.padRight());
        assertTrue(t.consistent());
        assertFalse(new OneDnnConvolution.Geometry(2, 1, 7, 6, 4, 4, 2, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, false).consistent());
    }

    /**
     * The scratch arrays of oneDNN's layouts are used from their first 64-byte boundary, inside the 16 floats they
     * are given to spare: for every start address modulo 64 that a float array can have (ND4J's workspaces give 16).
     */
    @Test
    void scratchArraysAreUsedFromTheirFirst64ByteBoundary() {
        INDArray buffer = Nd4j.create(DataType.FLOAT, 64);
        long base = buffer.data().addressPointer().address();
        for (int offset = 0; offset < 16; offset++) {
            INDArray scratch = buffer.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + 32));
            long start = base + 4L * offset;
            long aligned = OneDnnOperation.aligned(scratch).address();
            assertEquals(0, aligned % OneDnnOperation.ALIGNMENT, "offset " + offset);
            assertTrue(aligned >= start && aligned - start < OneDnnOperation.ALIGNMENT, "offset " + offset);
            assertEquals(0, (aligned - start) % Float.BYTES, "offset " + offset);
        }
    }

    /**
     * SmallCnn's second convolution (32 -> 64 channels, 3x3, stride 2, with bias): both backward primitives read
     * dL/dz in the same channel-blocked layout, so {@code backward} reorders it once; its input, weight and bias
     * gradients are exactly those of the two passes run one after the other, each with its own reorder.
     */
    @Test
    void backwardReordersTheOutputGradientOnceWithTheSameResults() {
        OneDnnConvolution.Geometry g = OneDnnConvolution.Geometry.of(4, 32, 14, 14, 64, 7, 7, new int[]{3, 3},
                new int[]{2, 2}, new int[]{1, 1}, new int[]{0, 0}, true);
        try (OneDnnConvolution conv = new OneDnnConvolution(g)) {
            assertTrue(conv.sharesDiffDst());
            Nd4j.getRandom().setSeed(7);
            INDArray x = Nd4j.randn(DataType.FLOAT, 4, 32, 14, 14);
            INDArray w = Nd4j.randn(DataType.FLOAT, 64, 32, 3, 3);
            INDArray dz = Nd4j.randn(DataType.FLOAT, 4, 64, 7, 7);
            org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr =
                    org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
            INDArray[] shared = {Nd4j.create(DataType.FLOAT, x.shape()), Nd4j.create(DataType.FLOAT, w.shape()),
                    Nd4j.create(DataType.FLOAT, 64)};
            INDArray[] separate = {Nd4j.create(DataType.FLOAT, x.shape()), Nd4j.create(DataType.FLOAT, w.shape()),
                    Nd4j.create(DataType.FLOAT, 64)};
            conv.backward(x, dz, w, shared[0], shared[1], shared[2], mgr);
            conv.backwardData(dz, w, separate[0], mgr);
            conv.backwardWeights(x, dz, separate[1], separate[2], mgr);
            for (int i = 0; i < 3; i++) {
                assertEquals(separate[i], shared[i], "gradient " + i);
                assertTrue(separate[i].norm2Number().doubleValue() > 0, "gradient " + i + " is not zero");
            }
            // only the weights wanted: no input gradient, same weight gradient
            INDArray dw = Nd4j.create(DataType.FLOAT, w.shape());
            conv.backward(x, dz, w, null, dw, Nd4j.create(DataType.FLOAT, 64), mgr);
            assertEquals(separate[1], dw);
        }
    }
}
