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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The input gradient of stride-1 native convolutions computed as a transposed convolution of dZ
 * ({@link NativeConvolutionLayerImpl#setTransposedInputGradient}): the same loss, weight gradient and input gradient
 * as DL4J's own {@link ConvolutionLayer}, in double precision, for odd and even kernels, dilation, Same and Truncate
 * padding (up to the kernel's extent) and fewer output than input channels; and the configurations outside it
 * (stride 2, more output channels, padding beyond the kernel) keep col2im.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.github.dl4jssl.layers.DoublePrecision.class)
class TransposedInputGradientTest {

    @AfterEach
    void restore() {
        NativeConvolutionLayerImpl.setTransposedInputGradient(true);
    }

    /** conv (configuration {@code c}, see the tests) -> tanh -> MSE in double on 7x6 input. */
    private static ComputationGraph graph(boolean nativeLayer, int[] c, int inC, int outC) {
        return OneDnnConvolutionTest.graph(nativeLayer, DataType.DOUBLE, c, inC, outC, 7, 6);
    }

    /** Loss, parameter gradients and input gradient of the native layer against DL4J's; whether it took the transposed path. */
    private static boolean checkAgainstDl4j(int[] c, int inC, int outC) {
        String what = Arrays.toString(c) + " " + inC + "->" + outC;
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, inC, 7, 6);
        ComputationGraph[] graphs = {graph(false, c, inC, outC), graph(true, c, inC, outC)};
        for (ComputationGraph g : graphs) {
            g.setInputs(x);
            g.setLabels(Nd4j.ones(DataType.DOUBLE, 3, 2));
            g.computeGradientAndScore();
        }
        assertEquals(graphs[0].score(), graphs[1].score(), 1e-12, what);
        graphs[0].gradient().gradientForVariable().forEach((k, v) -> assertTrue(
                v.equalsWithEps(graphs[1].gradient().gradientForVariable().get(k), 1e-9), "gradient " + k + " " + what));
        INDArray[] eps = io.github.dl4jssl.layers.TestGraphs.inputGradients("conv", x, graphs);
        assertTrue(eps[0].equalsWithEps(eps[1], 1e-9), "input gradient " + what);
        return ((NativeConvolutionLayerImpl) graphs[1].getLayer("conv")).usesTransposedInputGradient(x);
    }

    @Test
    void strideOneLayersGiveDl4jsGradientsThroughTheTransposedConvolution() {
        int[][] configs = { // kH, kW, sH, sW, dH, dW, pH, pW, mode (0 Same, 1 Truncate), bias
                {3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, {3, 3, 1, 1, 1, 1, 0, 0, 0, 1}, {2, 2, 1, 1, 1, 1, 0, 0, 0, 0},
                {3, 2, 1, 1, 1, 1, 0, 0, 0, 0}, {3, 3, 1, 1, 2, 2, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 0, 0, 1, 1},
                {3, 3, 1, 1, 1, 1, 1, 0, 1, 0}, {3, 3, 1, 1, 1, 1, 2, 2, 1, 0}, {2, 3, 1, 1, 2, 1, 1, 2, 1, 0},
                {3, 3, 1, 1, 1, 1, 0, 0, 1, 0}};
        for (int[] c : configs) {
            for (int outC : new int[]{4, 2}) {
                assertTrue(checkAgainstDl4j(c, 4, outC), "transposed path expected for " + Arrays.toString(c) + " 4->" + outC);
            }
        }
    }

    @Test
    void otherLayersKeepCol2imAndStillAgree() {
        int[][] configs = {
                {3, 3, 2, 2, 1, 1, 0, 0, 0, 0},  // stride 2
                {3, 3, 1, 2, 1, 1, 0, 0, 0, 0},  // stride 2 in one direction
                {3, 3, 1, 1, 1, 1, 3, 0, 1, 0}}; // padding beyond the kernel's extent (2)
        for (int[] c : configs) {
            assertTrue(!checkAgainstDl4j(c, 4, 4), "col2im expected for " + Arrays.toString(c));
        }
        // more output than input channels: more columns, so col2im
        assertTrue(!checkAgainstDl4j(new int[]{3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, 2, 4));
        // and the switch turns the transposed path off
        NativeConvolutionLayerImpl.setTransposedInputGradient(false);
        assertTrue(!checkAgainstDl4j(new int[]{3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, 4, 4));
    }

    /**
     * A double-precision finite-difference gradient check through two stride-1 layers on the transposed path (3x3 Same,
     * 4 -> 3 channels; 3x3 Truncate with padding 1, 3 -> 3) behind a first layer: the first layer's weight gradients
     * reach it only through both transposed input gradients.
     */
    @Test
    void gradientCheckThroughTransposedInputGradients() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(6, 5, 2))
                .addLayer("conv1", new NativeConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), "in")
                .addLayer("conv2", new NativeConvolutionLayer.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same)
                        .hasBias(false).activation(Activation.TANH).build(), "conv1")
                .addLayer("conv3", new NativeConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.TANH).build(), "conv2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "conv3")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, 6, 5);
        java.util.Map<String, INDArray> acts = g.feedForward(x, false);
        assertTrue(((NativeConvolutionLayerImpl) g.getLayer("conv2")).usesTransposedInputGradient(acts.get("conv1")));
        assertTrue(((NativeConvolutionLayerImpl) g.getLayer("conv3")).usesTransposedInputGradient(acts.get("conv2")));
        assertTrue(org.deeplearning4j.gradientcheck.GradientCheckUtil.checkGradients(
                new org.deeplearning4j.gradientcheck.GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[]{x}).labels(new INDArray[]{Nd4j.rand(DataType.DOUBLE, 3, 2)})
                        .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)));
    }
}
