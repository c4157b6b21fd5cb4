package io.github.dl4jssl.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link NativeBatchNormalization} on NCHW input (its row-wise path) against batch normalisation written out with
 * plain loops in double: training-mode output, the gradients for input, gamma and beta through the batch
 * statistics, the running statistics after one fit step and the inference output with them; plus a gradient check.
 */
class NativeBatchNormalizationTest {

    private static final int N = 3;
    private static final int C = 2;
    private static final int H = 3;
    private static final int W = 4;
    private static final double EPS = 1e-5;

    private static DataType previous;

    @BeforeAll
    static void doublePrecision() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    /**
     * in [C, H, W] -> "bn" -> "out" (per-pixel MSE); with Sgd(0) only the running statistics move in a fit step
     * (DL4J's updater for them is NoOp).
     */
    private static ComputationGraph graph(boolean useLogStd, double decay, IUpdater updater) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.DOUBLE)
                .updater(updater).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(H, W, C))
                .addLayer("bn", new NativeBatchNormalization.Builder().useLogStd(useLogStd).decay(decay).build(), "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "bn")
                .setOutputs("out").build());
        g.init();
        g.getLayer("bn").getParam("gamma").assign(Nd4j.createFromArray(new double[][]{{1.7, 0.6}}));
        g.getLayer("bn").getParam("beta").assign(Nd4j.createFromArray(new double[][]{{0.4, -0.9}}));
        return g;
    }

    /** Random input whose channel 1 is far from zero mean, so that centring matters. */
    private static INDArray input() {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.DOUBLE, N, C, H, W).muli(2);
        x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).addi(7);
        return x;
    }

    /** The M = N*H*W values of channel c, in (n, h, w) order. */
    private static double[] channel(INDArray a, int c) {
        double[] v = new double[N * H * W];
        int i = 0;
        for (int n = 0; n < N; n++) {
            for (int h = 0; h < H; h++) {
                for (int w = 0; w < W; w++) {
                    v[i++] = a.getDouble(n, c, h, w);
                }
            }
        }
        return v;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    private static double biasedVariance(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double d : v) {
            s += (d - m) * (d - m);
        }
        return s / v.length;
    }

    private static void assertChannelEquals(double[] expected, double[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-10, what + " at " + i);
        }
    }

    @Test
    void trainingOutputAndGradientsEqualThePlainFormulas() {
        INDArray x = input();
        Nd4j.getRandom().setSeed(13);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, N, C, H, W);
        double[] gamma = {1.7, 0.6};
        double[] beta = {0.4, -0.9};
        // c-order input and an f-order copy (whose [N*C, H*W] matrix is a copy, not a view)
        for (INDArray in : new INDArray[]{x, x.dup('f')}) {
            ComputationGraph net = graph(true, 0.9, new NoOp());
            net.initGradientsView();
            Layer bn = net.getLayer("bn");
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            bn.setInput(in, mgr);
            INDArray y = bn.activate(true, mgr);
            Pair<Gradient, INDArray> back = bn.backpropGradient(dy, mgr);
            for (int c = 0; c < C; c++) {
                double[] xc = channel(x, c);
                double[] g = channel(dy, c);
                int m = xc.length;
                double mu = mean(xc);
                double sigma = Math.sqrt(biasedVariance(xc) + EPS);
                double[] xhat = new double[m];
                double[] expectedY = new double[m];
                double dBeta = 0;
                double dGamma = 0;
                for (int i = 0; i < m; i++) {
                    xhat[i] = (xc[i] - mu) / sigma;
                    expectedY[i] = gamma[c] * xhat[i] + beta[c];
                    dBeta += g[i];
                    dGamma += g[i] * xhat[i];
                }
                double[] expectedDx = new double[m];
                for (int i = 0; i < m; i++) {
                    expectedDx[i] = gamma[c] / sigma * (g[i] - dBeta / m - xhat[i] * dGamma / m);
                }
                String where = " channel " + c + " order " + in.ordering();
                assertChannelEquals(expectedY, channel(y, c), "output" + where);
                assertChannelEquals(expectedDx, channel(back.getSecond(), c), "dL/dx" + where);
                assertEquals(dGamma, back.getFirst().getGradientFor("gamma").getDouble(c), 1e-10, "dL/dgamma" + where);
                assertEquals(dBeta, back.getFirst().getGradientFor("beta").getDouble(c), 1e-10, "dL/dbeta" + where);
            }
        }
    }

    @Test
    void runningStatisticsAfterOneFitStepAndInferenceWithThem() {
        INDArray x = input();
        double decay = 0.7;
        double[] mean0 = {0.3, -0.2};
        double[] var0 = {1.5, 0.5};
        for (boolean useLogStd : new boolean[]{true, false}) {
            ComputationGraph g = graph(useLogStd, decay, new Sgd(0.0));
            Layer bn = g.getLayer("bn");
            bn.getParam("mean").assign(Nd4j.createFromArray(new double[][]{mean0}));
            if (useLogStd) {
                bn.getParam("log10stdev").assign(Nd4j.createFromArray(new double[][]{
                        {0.5 * Math.log10(var0[0]), 0.5 * Math.log10(var0[1])}}));
            } else {
                bn.getParam("var").assign(Nd4j.createFromArray(new double[][]{var0}));
            }
            g.fit(new MultiDataSet(x, Nd4j.rand(DataType.DOUBLE, N, C, H, W)));
            double[] runningVar = new double[C];
            for (int c = 0; c < C; c++) {
                double[] xc = channel(x, c);
                String where = " channel " + c + " useLogStd " + useLogStd;
                assertEquals(decay * mean0[c] + (1 - decay) * mean(xc), bn.getParam("mean").getDouble(c), 1e-10, "mean" + where);
                runningVar[c] = decay * var0[c] + (1 - decay) * biasedVariance(xc);
                double stored = useLogStd ? Math.pow(10, 2 * bn.getParam("log10stdev").getDouble(c)) : bn.getParam("var").getDouble(c);
                assertEquals(runningVar[c], stored, 1e-10, "variance" + where);
            }
            assertEquals(1.7, bn.getParam("gamma").getDouble(0), 0.0, "Sgd(0) leaves gamma");
            INDArray y = g.feedForward(x, false).get("bn");
            double[] gamma = {1.7, 0.6};
            double[] beta = {0.4, -0.9};
            for (int c = 0; c < C; c++) {
                double[] xc = channel(x, c);
                double[] expected = new double[xc.length];
                for (int i = 0; i < xc.length; i++) {
                    expected[i] = gamma[c] * (xc[i] - bn.getParam("mean").getDouble(c)) / Math.sqrt(runningVar[c] + EPS) + beta[c];
                }
                assertChannelEquals(expected, channel(y, c), "inference channel " + c + " useLogStd " + useLogStd);
            }
        }
    }

    @Test
    void gradientCheckDoublePrecision() {
        for (boolean useLogStd : new boolean[]{true, false}) {
            ComputationGraph g = graph(useLogStd, 0.9, new NoOp());
            Nd4j.getRandom().setSeed(14);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, N, C, H, W);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{input().dup('f')}).labels(new INDArray[]{labels})
                    .excludeParams(Set.of("bn_mean", "bn_log10stdev", "bn_var"))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)), "useLogStd " + useLogStd);
        }
    }
}
