package io.github.dl4jssl.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class SplitBatchNormalizationTest {


    /** input -> "bn" (the given layer) -> "out" (MSE output), CNN [C, H, W] or FF [C] input. */
    static ComputationGraph graph(Layer bn, InputType in, boolean convFirst) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in").setInputTypes(in);
        String prev = "in";
        if (convFirst) {
            b.addLayer("conv", new ConvolutionLayer.Builder(2, 2).nOut(3).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.TANH).build(), "in");
            prev = "conv";
        }
        b.addLayer("bn", bn, prev)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.TANH).build(), "bn")
                .setOutputs("out");
        return TestGraphs.initialized(b.build());
    }

    static SplitBatchNormalization split(int groups) {
        return new SplitBatchNormalization.Builder().groups(groups).build();
    }

    static void randomAffine(ComputationGraph g) {
        g.getLayer("bn").getParam("gamma").assign(Nd4j.rand(DataType.DOUBLE, g.getLayer("bn").getParam("gamma").shape()).addi(0.5));
        g.getLayer("bn").getParam("beta").assign(Nd4j.randn(DataType.DOUBLE, g.getLayer("bn").getParam("beta").shape()));
    }

    /** Per-group batch normalisation with plain loops: x [B, C, S] (S = H * W, 1 for FF). */
    static double[][][] reference(double[][][] x, int groups, double[] gamma, double[] beta, double eps) {
        int b = x.length, c = x[0].length, s = x[0][0].length, per = b / groups;
        double[][][] y = new double[b][c][s];
        for (int g = 0; g < groups; g++) {
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, sq = 0;
                for (int i = g * per; i < (g + 1) * per; i++) for (int k = 0; k < s; k++) sum += x[i][ch][k];
                double mean = sum / (per * s);
                for (int i = g * per; i < (g + 1) * per; i++) for (int k = 0; k < s; k++) sq += Math.pow(x[i][ch][k] - mean, 2);
                double var = sq / (per * s);
                for (int i = g * per; i < (g + 1) * per; i++) {
                    for (int k = 0; k < s; k++) y[i][ch][k] = gamma[ch] * (x[i][ch][k] - mean) / Math.sqrt(var + eps) + beta[ch];
                }
            }
        }
        return y;
    }

    static double[][][] toBcs(INDArray x) {
        long b = x.size(0), c = x.size(1);
        return to3(x.reshape('c', b, c, x.length() / (b * c)));
    }

    static double[][][] to3(INDArray x) {
        double[][][] out = new double[(int) x.size(0)][(int) x.size(1)][(int) x.size(2)];
        for (int i = 0; i < out.length; i++) for (int j = 0; j < out[0].length; j++) for (int k = 0; k < out[0][0].length; k++) {
            out[i][j][k] = x.getDouble(i, j, k);
        }
        return out;
    }

    static void assertClose(double[][][] expected, INDArray actual, double tol) {
        double[][][] a = toBcs(actual);
        for (int i = 0; i < expected.length; i++) for (int j = 0; j < expected[0].length; j++) for (int k = 0; k < expected[0][0].length; k++) {
            assertEquals(expected[i][j][k], a[i][j][k], tol, "at " + i + "," + j + "," + k);
        }
    }

    @Test
    void trainingForwardEqualsPerGroupStatisticsComputedByHand() {
        Object[][] cases = {{InputType.convolutional(4, 5, 3), new long[] {8, 3, 4, 5}, 4},
                {InputType.convolutional(4, 5, 3), new long[] {6, 3, 4, 5}, 2},
                {InputType.feedForward(4), new long[] {6, 4}, 3}};
        for (Object[] c : cases) {
            int groups = (int) c[2];
            ComputationGraph g = graph(split(groups), (InputType) c[0], false);
            randomAffine(g);
            INDArray x = Nd4j.rand(DataType.DOUBLE, (long[]) c[1]).muli(4).subi(1);
            // different groups get different offsets, so a single-batch normalisation would be visibly wrong
            for (int i = 0; i < x.size(0); i++) x.slice(i).addi(i);
            INDArray y = g.feedForward(x, true).get("bn");
            double[][][] expected = reference(toBcs(x), groups, g.getLayer("bn").getParam("gamma").toDoubleVector(),
                    g.getLayer("bn").getParam("beta").toDoubleVector(), 1e-5);
            assertClose(expected, y, 1e-10);
        }
    }

    @Test
    void oneGroupEqualsDl4jBatchNormalizationInBothModes() {
        InputType in = InputType.convolutional(3, 3, 2);
        ComputationGraph s = graph(split(1), in, false);
        ComputationGraph d = graph(new BatchNormalization.Builder().build(), in, false);
        randomAffine(s);
        for (String p : new String[] {"gamma", "beta"}) d.getLayer("bn").getParam(p).assign(s.getLayer("bn").getParam(p));
        s.getLayer("bn").getParam("mean").assign(Nd4j.createFromArray(0.3, -0.2));
        s.getLayer("bn").getParam("log10stdev").assign(Nd4j.createFromArray(0.1, -0.3));
        d.getLayer("bn").getParam("mean").assign(s.getLayer("bn").getParam("mean"));
        d.getLayer("bn").getParam("log10stdev").assign(s.getLayer("bn").getParam("log10stdev"));
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 2, 3, 3);
        assertTrue(d.feedForward(x, true).get("bn").equalsWithEps(s.feedForward(x, true).get("bn"), 1e-10), "training mode");
        assertTrue(d.feedForward(x, false).get("bn").equalsWithEps(s.feedForward(x, false).get("bn"), 1e-10), "inference mode");
    }

    @Test
    void gradientCheckDoublePrecision() {
        Set<String> stats = Set.of("bn_mean", "bn_log10stdev", "bn_var");
        Object[][] cases = {{InputType.convolutional(3, 3, 2), new long[] {4, 2, 3, 3}, 2, true},
                {InputType.feedForward(3), new long[] {6, 3}, 3, false}};
        for (Object[] c : cases) {
            ComputationGraph g = graph(split((int) c[2]), (InputType) c[0], (boolean) c[3]);
            randomAffine(g);
            long[] shape = (long[]) c[1];
            INDArray x = Nd4j.randn(DataType.DOUBLE, shape);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, shape[0], 2).subi(0.5);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[] {x}).labels(new INDArray[] {labels}).excludeParams(stats)
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)), "groups " + c[2]);
        }
    }

    @Test
    void runningStatisticsMoveTowardsTheAverageGroupStatisticsAndDriveInference() {
        ComputationGraph g = graph(split(2), InputType.convolutional(2, 2, 3), false);
        randomAffine(g);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 3, 2, 2).muli(3);
        x.slice(2).addi(5);
        x.slice(3).addi(5);
        // group statistics by hand (rows 0-1, rows 2-3), averaged
        double[][][] bcs = toBcs(x);
        double[] avgMean = new double[3], avgVar = new double[3];
        for (int grp = 0; grp < 2; grp++) {
            for (int ch = 0; ch < 3; ch++) {
                double sum = 0, sq = 0;
                for (int i = 2 * grp; i < 2 * grp + 2; i++) for (int k = 0; k < 4; k++) sum += bcs[i][ch][k];
                double m = sum / 8;
                for (int i = 2 * grp; i < 2 * grp + 2; i++) for (int k = 0; k < 4; k++) sq += Math.pow(bcs[i][ch][k] - m, 2);
                avgMean[ch] += m / 2;
                avgVar[ch] += sq / 8 / 2;
            }
        }
        g.setInputs(x);
        g.setLabels(Nd4j.zeros(DataType.DOUBLE, 4, 2));
        g.computeGradientAndScore();
        INDArray mean = g.getLayer("bn").getParam("mean");
        INDArray logStd = g.getLayer("bn").getParam("log10stdev");
        for (int ch = 0; ch < 3; ch++) {
            assertEquals(0.1 * avgMean[ch], mean.getDouble(ch), 1e-10);
            assertEquals(0.5 * Math.log10(0.9 + 0.1 * avgVar[ch]), logStd.getDouble(ch), 1e-10);
        }
        assertEquals(0.0, g.gradient().getGradientFor("bn_mean").norm2Number().doubleValue(), 0.0);
        // inference: (x - running mean) / sqrt(running var + eps) * gamma + beta
        double[] gamma = g.getLayer("bn").getParam("gamma").toDoubleVector(), beta = g.getLayer("bn").getParam("beta").toDoubleVector();
        double[][][] y = toBcs(g.feedForward(x, false).get("bn"));
        for (int i = 0; i < 4; i++) for (int ch = 0; ch < 3; ch++) for (int k = 0; k < 4; k++) {
            double var = Math.pow(10, 2 * logStd.getDouble(ch));
            assertEquals(gamma[ch] * (bcs[i][ch][k] - mean.getDouble(ch)) / Math.sqrt(var + 1e-5) + beta[ch], y[i][ch][k], 1e-10);
        }
        // fitting never changes the statistics through the optimizer (Sgd(0)), only through the layer's update
        ComputationGraph sgd = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.5)).weightDecay(0.1).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(3))
                .addLayer("bn", new SplitBatchNormalization.Builder().groups(2).useLogStd(false).decay(1.0).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).build(), "bn").setOutputs("out").build());
        sgd.init();
        INDArray gammaBefore = sgd.getParam("bn_gamma").dup();
        sgd.fit(new MultiDataSet(Nd4j.randn(DataType.DOUBLE, 4, 3), Nd4j.randn(DataType.DOUBLE, 4, 2)));
        assertEquals(Nd4j.ones(DataType.DOUBLE, 3), sgd.getParam("bn_var"), "decay 1: variance stays");
        assertEquals(Nd4j.zeros(DataType.DOUBLE, 3), sgd.getParam("bn_mean"));
        assertNotEquals(gammaBefore, sgd.getParam("bn_gamma"));
    }

    @Test
    void fromBatchNormalizationKeepsSettingsAndParamNames() {
        BatchNormalization bn = new BatchNormalization.Builder().decay(0.8).eps(1e-3).useLogStd(false).lockGammaBeta(true)
                .gamma(2).beta(0.5).nOut(3).build();
        SplitBatchNormalization s = SplitBatchNormalization.from(bn, 4);
        assertEquals(4, s.getGroups());
        assertEquals(0.8, s.getDecay());
        assertEquals(1e-3, s.getEps());
        assertFalse(s.isUseLogStd());
        assertTrue(s.isLockGammaBeta());
        assertEquals(2.0, s.getGamma());
        assertEquals(0.5, s.getBeta());
        ComputationGraph split = graph(SplitBatchNormalization.from(new BatchNormalization.Builder().build(), 2),
                InputType.convolutional(3, 3, 2), false);
        ComputationGraph plain = graph(new BatchNormalization.Builder().build(), InputType.convolutional(3, 3, 2), false);
        assertEquals(plain.getLayer("bn").paramTable().keySet(), split.getLayer("bn").paramTable().keySet());
        for (String k : plain.getLayer("bn").paramTable().keySet()) {
            assertArrayEquals(plain.getLayer("bn").getParam(k).shape(), split.getLayer("bn").getParam(k).shape(), k);
            assertEquals(plain.getLayer("bn").getParam(k), split.getLayer("bn").getParam(k), k);
        }
        ComputationGraph locked = graph(s, InputType.feedForward(3), false);
        assertEquals(Set.of("mean", "var"), locked.getLayer("bn").paramTable().keySet());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 3);
        assertEquals(2.0 * 0 + 0.5, locked.feedForward(x, true).get("bn").mean(0).getDouble(0) , 1e-10,
                "gamma 2, beta 0.5 fixed: column means are beta");
    }

    @Test
    void jsonAndModelSerializerRoundTrip(@TempDir File dir) throws Exception {
        ComputationGraph g = graph(split(2), InputType.convolutional(3, 3, 2), true);
        randomAffine(g);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        SplitBatchNormalization l = (SplitBatchNormalization) ((LayerVertex) back.getVertices().get("bn")).getLayerConf().getLayer();
        assertEquals(2, l.getGroups());
        assertEquals(3, l.getNOut());
        assertEquals(3, l.getHeight());
        File f = new File(dir, "sbn.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), restored.params());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 2, 3, 3);
        assertEquals(g.outputSingle(true, x), restored.outputSingle(true, x));
        assertEquals(g.outputSingle(false, x), restored.outputSingle(false, x));
    }

    @Test
    void badBatchesAndInputsFailWithClearMessages() {
        ComputationGraph g = graph(split(4), InputType.feedForward(3), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.feedForward(Nd4j.randn(DataType.DOUBLE, 6, 3), true));
        assertTrue(e.getMessage().contains("does not split into 4 equal groups"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SplitBatchNormalization.Builder().groups(0));
        IllegalArgumentException rnn = assertThrows(IllegalArgumentException.class,
                () -> graph(split(2), InputType.recurrent(3, 4), false));
        assertTrue(rnn.getMessage().contains("CNN [B, C, H, W] or feed-forward"), rnn.getMessage());
    }
}
