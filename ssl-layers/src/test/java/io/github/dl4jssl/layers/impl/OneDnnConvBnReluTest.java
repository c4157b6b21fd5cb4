package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeActivationLayer;
import io.github.dl4jssl.layers.NativeBatchNormalization;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link OneDnnConvBnRelu} against today's three native layers (convolution without bias, batch norm, ReLU) in float:
 * y, dL/dx, dL/dW, dL/dgamma and dL/dbeta, the batch mean and variance, on a stride-1 and a stride-2 ("Same")
 * geometry whose channel counts fill oneDNN's channel blocks and do not. Inputs are shifted so that no output lies
 * within rounding of the ReLU's kink, where the two may legitimately take different sides.
 */
class OneDnnConvBnReluTest {

    @Test
    void chainGivesWhatTheThreeLayersGive() {
        assumeTrue(OneDnn.available());
        // n, cIn, h, cOut, stride
        for (int[] c : new int[][]{{6, 3, 9, 20, 1}, {5, 16, 8, 32, 2}}) {
            check(c[0], c[1], c[2], c[3], c[4]);
        }
    }

    private static void check(int n, int cin, int h, int cout, int stride) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).list()
                .layer(new NativeConvolutionLayer.Builder(3, 3).stride(stride, stride).nOut(cout)
                        .convolutionMode(ConvolutionMode.Same).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new NativeBatchNormalization.Builder().build())
                .layer(new NativeActivationLayer(Activation.RELU))
                .setInputType(InputType.convolutional(h, h, cin)).build());
        net.init();
        net.initGradientsView();
        Layer conv = net.getLayer(0);
        Layer bn = net.getLayer(1);
        Layer relu = net.getLayer(2);
        Nd4j.getRandom().setSeed(7);
        bn.getParam("gamma").assign(Nd4j.rand(DataType.FLOAT, 1, cout).addi(0.5));
        bn.getParam("beta").assign(Nd4j.rand(DataType.FLOAT, 1, cout).subi(0.5));
        INDArray x = Nd4j.randn(DataType.FLOAT, n, cin, h, h);
        int outH = (h + stride - 1) / stride;
        INDArray dy = Nd4j.randn(DataType.FLOAT, n, cout, outH, outH);

        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray z = conv.activate(x, true, mgr);
        INDArray yExpected = relu.activate(bn.activate(z, true, mgr), true, mgr).dup();
        Pair<Gradient, INDArray> bnBack = bn.backpropGradient(relu.backpropGradient(dy, mgr).getSecond(), mgr);
        Pair<Gradient, INDArray> convBack = conv.backpropGradient(bnBack.getSecond(), mgr);
        double[] mean = z.mean(0, 2, 3).toDoubleVector();
        double[] var = z.var(false, 0, 2, 3).toDoubleVector();

        int total = Math.max(0, (outH - 1) * stride + 3 - h);
        OneDnnConvolution.Geometry g = OneDnnConvolution.Geometry.of(n, cin, h, h, cout, outH, outH,
                new int[]{3, 3}, new int[]{stride, stride}, new int[]{1, 1}, new int[]{total / 2, total / 2}, false);
        try (OneDnnConvBnRelu chain = new OneDnnConvBnRelu(g, 1e-5)) {
            INDArray scaleShift = Nd4j.vstack(bn.getParam("gamma"), bn.getParam("beta"));
            INDArray y = Nd4j.create(DataType.FLOAT, n, cout, outH, outH);
            INDArray m = Nd4j.create(DataType.FLOAT, cout);
            INDArray v = Nd4j.create(DataType.FLOAT, cout);
            OneDnnConvBnRelu.Saved saved = chain.forward(x, conv.getParam("W"), scaleShift, y, m, v, mgr,
                    ArrayType.ACTIVATIONS);
            INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
            INDArray dw = Nd4j.create(DataType.FLOAT, conv.getParam("W").shape());
            INDArray dss = Nd4j.create(DataType.FLOAT, 2, cout);
            chain.backward(x, conv.getParam("W"), scaleShift, saved, dy, dx, dw, dss, mgr);

            String where = " [" + n + "," + cin + "," + h + "," + h + "] -> " + cout + " stride " + stride;
            assertEquals(0.0, yExpected.gt(0).castTo(DataType.FLOAT).sub(y.gt(0).castTo(DataType.FLOAT))
                    .amaxNumber().doubleValue(), 0.0, "the two ReLU masks" + where);
            assertClose(yExpected, y, "y" + where);
            assertClose(convBack.getSecond(), dx, "dL/dx" + where);
            assertClose(convBack.getFirst().getGradientFor("W"), dw, "dL/dW" + where);
            assertClose(bnBack.getFirst().getGradientFor("gamma"), dss.getRow(0), "dL/dgamma" + where);
            assertClose(bnBack.getFirst().getGradientFor("beta"), dss.getRow(1), "dL/dbeta" + where);
            for (int c = 0; c < cout; c++) {
                assertEquals(mean[c], m.getDouble(c), 1e-5 * (1 + Math.abs(mean[c])), "mean" + where);
                assertEquals(var[c], v.getDouble(c), 1e-5 * (1 + var[c]), "variance" + where);
            }
        }
    }

    /** Equal to float rounding relative to the largest magnitude of the expected array. */
    private static void assertClose(INDArray expected, INDArray actual, String what) {
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        double scale = Math.max(1.0, e.amaxNumber().doubleValue());
        double diff = e.sub(a).amaxNumber().doubleValue();
        assertTrue(diff <= 2e-5 * scale, what + ": max difference " + diff + " at scale " + scale);
    }
}
