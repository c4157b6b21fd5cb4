package io.github.dl4jssl.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link NativeBatchNormalization} on NCHW input (its row-wise path) against batch normalisation written out with
 * plain loops in double: training-mode output, the gradients for input, gamma and beta through the batch
 * statistics, the running statistics after one fit step and the inference output with them; plus a gradient check.
 */
@ExtendWith(DoublePrecision.class)
class NativeBatchNormalizationTest {

    /** The shape of most tests: N, C, H, W. */
    private static final int[] SHAPE = {3, 2, 3, 4};
    /** Shapes that take libnd4j's ops instead of the row-wise path: 1x1 maps (ResNet's last stage), one row. */
    private static final int[][] EDGE_SHAPES = {{3, 2, 1, 1}, {1, 1, 3, 4}};
    private static final double EPS = 1e-5;


    /**
     * in [C, H, W] -> "bn" -> "out" (per-pixel MSE); with Sgd(0) only the running statistics move in a fit step
     * (DL4J's updater for them is NoOp).
     */
    private static ComputationGraph graph(int[] shape, boolean useLogStd, double decay, IUpdater updater) {
        return graph(shape, useLogStd, decay, updater, DataType.DOUBLE);
    }

    private static ComputationGraph graph(int[] shape, boolean useLogStd, double decay, IUpdater updater,
                                          DataType dataType) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4).dataType(dataType)
                .updater(updater).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(shape[2], shape[3], shape[1]))
                .addLayer("bn", new NativeBatchNormalization.Builder().useLogStd(useLogStd).decay(decay).build(), "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "bn")
                .setOutputs("out").build());
        g.init();
        g.getLayer("bn").getParam("gamma").assign(Nd4j.createFromArray(new double[][]{gamma(shape[1])}).castTo(dataType));
        g.getLayer("bn").getParam("beta").assign(Nd4j.createFromArray(new double[][]{beta(shape[1])}).castTo(dataType));
        return g;
    }

    private static double[] gamma(int channels) {
        double[] g = new double[channels];
        for (int c = 0; c < channels; c++) {
            g[c] = 1.7 - 1.1 * c;
        }
        return g;
    }

    private static double[] beta(int channels) {
        double[] b = new double[channels];
        for (int c = 0; c < channels; c++) {
            b[c] = 0.4 - 1.3 * c;
        }
        return b;
    }

    /** Random input whose last channel is far from zero mean, so that centring matters. */
    private static INDArray input(int[] shape) {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape[0], shape[1], shape[2], shape[3]).muli(2);
        x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(shape[1] - 1)).addi(7);
        return x;
    }

    /** The M = N*H*W values of channel c, in (n, h, w) order. */
    private static double[] channel(INDArray a, int c) {
        double[] v = new double[(int) (a.size(0) * a.size(2) * a.size(3))];
        int i = 0;
        for (int n = 0; n < a.size(0); n++) {
            for (int h = 0; h < a.size(2); h++) {
                for (int w = 0; w < a.size(3); w++) {
                    v[i++] = a.getDouble(n, c, h, w);
                }
            }
        }
        return v;
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    private static double biasedVariance(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double d : v) {
            s += (d - m) * (d - m);
        }
        return s / v.length;
    }

    private static void assertChannelEquals(double[] expected, double[] actual, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + " at " + i);
        }
    }

    @Test
    void trainingOutputAndGradientsEqualThePlainFormulas() {
        trainingOutputAndGradientsEqualThePlainFormulas(SHAPE, 1e-10);
    }

    @Test
    void edgeShapesTooEqualThePlainFormulas() {
        // libnd4j's batchnorm_bp agrees with the formulas to ~1e-8 only, even in double
        for (int[] shape : EDGE_SHAPES) {
            trainingOutputAndGradientsEqualThePlainFormulas(shape, 1e-7);
        }
    }

    /**
     * Float input, the precision of training (whose row sums go through oneDNN's sgemm): the same formulas in double,
     * to float's precision, on planes of 12, 35 and 49 values, with an f-order input (copied) and a c-order view at an
     * offset into a larger array.
     */
    @Test
    void floatInputEqualsThePlainFormulasInDouble() {
        for (int[] shape : new int[][]{SHAPE, {5, 3, 7, 5}, {4, 3, 7, 7}}) {
            trainingOutputAndGradientsEqualThePlainFormulas(shape, 2e-5, DataType.FLOAT);
        }
    }

    private static void trainingOutputAndGradientsEqualThePlainFormulas(int[] shape, double tol) {
        trainingOutputAndGradientsEqualThePlainFormulas(shape, tol, DataType.DOUBLE);
    }

    /**
     * For float, {@code tol} is relative: to the largest magnitude of each compared array, and for the gamma and beta
     * gradients to the sum of their terms' magnitudes (at least 1).
     */
    private static void trainingOutputAndGradientsEqualThePlainFormulas(int[] shape, double tol, DataType dataType) {
        INDArray x = input(shape);
        Nd4j.getRandom().setSeed(13);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, shape[0], shape[1], shape[2], shape[3]);
        double[] gamma = gamma(shape[1]);
        double[] beta = beta(shape[1]);
        boolean isFloat = dataType == DataType.FLOAT;
        if (isFloat) {
            // the values the layer sees: the plain formulas are evaluated in double on the same float-rounded inputs
            x = x.castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
            dy = dy.castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
        }
        // c-order input and an f-order copy (whose [N*C, H*W] matrix is a copy, not a view); in float also a view
        INDArray[] inputs = isFloat
                ? new INDArray[]{x.castTo(dataType), x.castTo(dataType).dup('f'), viewAtAnOffset(x, dataType)}
                : new INDArray[]{x, x.dup('f')};
        for (INDArray in : inputs) {
            BatchNormPass pass = BatchNormPass.run(graph(shape, true, 0.9, new NoOp(), dataType), in,
                    dy.castTo(dataType));
            for (int c = 0; c < shape[1]; c++) {
                double[] xc = channel(x, c);
                double[] g = channel(dy, c);
                int m = xc.length;
                double mu = mean(xc);
                double sigma = Math.sqrt(biasedVariance(xc) + EPS);
                double[] xhat = new double[m];
                double[] expectedY = new double[m];
                double dBeta = 0;
                double dGamma = 0;
                double dBetaTerms = 0; // sums of the terms' magnitudes: the scale of a float sum's rounding error
                double dGammaTerms = 0;
                for (int i = 0; i < m; i++) {
                    xhat[i] = (xc[i] - mu) / sigma;
                    expectedY[i] = gamma[c] * xhat[i] + beta[c];
                    dBeta += g[i];
                    dGamma += g[i] * xhat[i];
                    dBetaTerms += Math.abs(g[i]);
                    dGammaTerms += Math.abs(g[i] * xhat[i]);
                }
                double[] expectedDx = new double[m];
                for (int i = 0; i < m; i++) {
                    expectedDx[i] = gamma[c] / sigma * (g[i] - dBeta / m - xhat[i] * dGamma / m);
                }
                String where = " channel " + c + " order " + in.ordering() + " offset " + in.offset() + " shape "
                        + java.util.Arrays.toString(shape) + " " + dataType;
                assertChannelEquals(expectedY, channel(pass.output(), c), scaled(tol, isFloat, expectedY), "output" + where);
                assertChannelEquals(expectedDx, channel(pass.inputGradient(), c), scaled(tol, isFloat, expectedDx),
                        "dL/dx" + where);
                assertEquals(dGamma, pass.gradient().getGradientFor("gamma").getDouble(c),
                        scaled(tol, isFloat, new double[]{dGamma, dGammaTerms}), "dL/dgamma" + where);
                assertEquals(dBeta, pass.gradient().getGradientFor("beta").getDouble(c),
                        scaled(tol, isFloat, new double[]{dBeta, dBetaTerms}), "dL/dbeta" + where);
            }
        }
    }

    /** A c-order copy of x in {@code type} that is a view at an offset (one image in) into a larger array. */
    private static INDArray viewAtAnOffset(INDArray x, DataType type) {
        INDArray padded = Nd4j.zeros(type, x.size(0) + 2, x.size(1), x.size(2), x.size(3));
        INDArray view = padded.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, x.size(0) + 1));
        return view.assign(x);
    }

    /** tol itself, or (relative) tol times the largest magnitude among {@code values} (at least 1). */
    private static double scaled(double tol, boolean relative, double[] values) {
        double max = 1;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return relative ? tol * max : tol;
    }

    @Test
    void runningStatisticsAfterOneFitStepAndInferenceWithThem() {
        runningStatisticsAfterOneFitStepAndInferenceWithThem(DataType.DOUBLE, 1e-10);
    }

    /** The float path in both modes, against the formulas on the float-rounded input. */
    @Test
    void floatRunningStatisticsAndInference() {
        runningStatisticsAfterOneFitStepAndInferenceWithThem(DataType.FLOAT, 1e-5);
    }

    /** tol: absolute in double; in float relative to the largest magnitude (at least 1) of each channel's values. */
    private static void runningStatisticsAfterOneFitStepAndInferenceWithThem(DataType dataType, double tol) {
        boolean isFloat = dataType == DataType.FLOAT;
        INDArray x = input(SHAPE).castTo(dataType).castTo(DataType.DOUBLE);
        int channels = SHAPE[1];
        double decay = 0.7;
        double[] mean0 = {0.3, -0.2};
        double[] var0 = {1.5, 0.5};
        for (boolean useLogStd : new boolean[]{true, false}) {
            ComputationGraph g = graph(SHAPE, useLogStd, decay, new Sgd(0.0), dataType);
            Layer bn = g.getLayer("bn");
            bn.getParam("mean").assign(Nd4j.createFromArray(new double[][]{mean0}).castTo(dataType));
            if (useLogStd) {
                bn.getParam("log10stdev").assign(Nd4j.createFromArray(new double[][]{
                        {0.5 * Math.log10(var0[0]), 0.5 * Math.log10(var0[1])}}).castTo(dataType));
            } else {
                bn.getParam("var").assign(Nd4j.createFromArray(new double[][]{var0}).castTo(dataType));
            }
            g.fit(new MultiDataSet(x.castTo(dataType), Nd4j.rand(dataType, SHAPE[0], SHAPE[1], SHAPE[2], SHAPE[3])));
            double[] runningVar = new double[channels];
            for (int c = 0; c < channels; c++) {
                double[] xc = channel(x, c);
                String where = " channel " + c + " useLogStd " + useLogStd + " " + dataType;
                double expectedMean = decay * mean0[c] + (1 - decay) * mean(xc);
                assertEquals(expectedMean, bn.getParam("mean").getDouble(c), scaled(tol, isFloat, xc), "mean" + where);
                runningVar[c] = decay * var0[c] + (1 - decay) * biasedVariance(xc);
                double stored = useLogStd ? Math.pow(10, 2 * bn.getParam("log10stdev").getDouble(c)) : bn.getParam("var").getDouble(c);
                assertEquals(runningVar[c], stored, scaled(tol, isFloat, new double[]{runningVar[c]}), "variance" + where);
            }
            assertEquals(isFloat ? (float) 1.7 : 1.7, bn.getParam("gamma").getDouble(0), 0.0, "Sgd(0) leaves gamma");
            INDArray y = g.feedForward(x.castTo(dataType), false).get("bn");
            double[] gamma = gamma(channels);
            double[] beta = beta(channels);
            for (int c = 0; c < channels; c++) {
                double[] xc = channel(x, c);
                double[] expected = new double[xc.length];
                for (int i = 0; i < xc.length; i++) {
                    expected[i] = gamma[c] * (xc[i] - bn.getParam("mean").getDouble(c)) / Math.sqrt(runningVar[c] + EPS) + beta[c];
                }
                assertChannelEquals(expected, channel(y, c), scaled(tol, isFloat, expected),
                        "inference channel " + c + " useLogStd " + useLogStd + " " + dataType);
            }
        }
    }

    @Test
    void gradientCheckDoublePrecision() {
        for (boolean useLogStd : new boolean[]{true, false}) {
            ComputationGraph g = graph(SHAPE, useLogStd, 0.9, new NoOp());
            Nd4j.getRandom().setSeed(14);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, SHAPE[0], SHAPE[1], SHAPE[2], SHAPE[3]);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{input(SHAPE).dup('f')}).labels(new INDArray[]{labels})
                    .excludeParams(Set.of("bn_mean", "bn_log10stdev", "bn_var"))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)), "useLogStd " + useLogStd);
        }
    }
}
