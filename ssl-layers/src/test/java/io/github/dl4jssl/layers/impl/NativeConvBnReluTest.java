package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeActivationLayer;
import io.github.dl4jssl.layers.NativeBatchNormalization;
import io.github.dl4jssl.layers.NativeConvBnRelu;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link NativeConvBnRelu} against the three native layers it replaces (convolution without bias, batch norm, ReLU):
 * the same initial parameters in the same order, the same loss, output and gradients, the same parameters after Adam
 * steps (running statistics included), through the oneDNN chain and through its own fallback; a gradient check in
 * double; JSON and model-file round trips; and its validation.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.github.dl4jssl.layers.DoublePrecision.class)
class NativeConvBnReluTest {

    private static final int N = 6;
    private static final int C_IN = 3;
    private static final int H = 9;

    @AfterEach
    void restore() {
        OneDnn.setEnabled(true);
    }

    /** in [3, 9, 9] -> block 1 (stride 1, 20 channels) -> block 2 (stride 2, 16 channels) -> MSE. */
    static ComputationGraph graph(boolean fused, DataType type, boolean useLogStd) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(5).dataType(type)
                .updater(new Adam(1e-2)).weightDecay(1e-3).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(H, H, C_IN));
        String prev = "in";
        int[][] blocks = {{20, 1}, {16, 2}};
        for (int i = 0; i < blocks.length; i++) {
            String name = "block" + (i + 1);
            if (fused) {
                b.addLayer(name, new NativeConvBnRelu.Builder(3, 3).inputGradient(i > 0).useLogStd(useLogStd)
                        .decay(0.8).stride(blocks[i][1], blocks[i][1]).nOut(blocks[i][0])
                        .convolutionMode(ConvolutionMode.Same).build(), prev);
                prev = name;
            } else {
                b.addLayer(name + "_conv", new NativeConvolutionLayer.Builder(3, 3).inputGradient(i > 0)
                        .stride(blocks[i][1], blocks[i][1]).nOut(blocks[i][0]).convolutionMode(ConvolutionMode.Same)
                        .hasBias(false).activation(Activation.IDENTITY).build(), prev);
                b.addLayer(name + "_bn", new NativeBatchNormalization.Builder().useLogStd(useLogStd).decay(0.8).build(),
                        name + "_conv");
                b.addLayer(name + "_relu", new NativeActivationLayer(Activation.RELU), name + "_bn");
                prev = name + "_relu";
            }
        }
        b.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .build(), prev).setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    static MultiDataSet data(DataType type, int seed) {
        Nd4j.getRandom().setSeed(seed);
        return new MultiDataSet(Nd4j.randn(type, N, C_IN, H, H).addi(0.2), Nd4j.rand(type, N, 16, 5, 5));
    }

    static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        double scale = Math.max(1.0, e.amaxNumber().doubleValue());
        double diff = e.sub(a).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max difference " + diff + " at scale " + scale);
    }

    @Test
    void sameInitialParametersInTheSameOrder() {
        for (boolean log : new boolean[]{true, false}) {
            ComputationGraph three = graph(false, DataType.FLOAT, log);
            ComputationGraph fused = graph(true, DataType.FLOAT, log);
            assertEquals(three.numParams(), fused.numParams());
            assertEquals(three.params(), fused.params(), "useLogStd " + log);
            assertEquals(java.util.List.of("W", "gamma", "beta", "mean", log ? "log10stdev" : "var"),
                    ((NativeConvBnReluImpl) fused.getLayer("block1")).keys());
        }
    }

    /** Loss, output and the whole flattened gradient, then three Adam steps with weight decay. */
    @Test
    void chainAndFallbackGiveWhatTheThreeLayersGive() {
        assumeTrue(OneDnn.available());
        for (boolean useChain : new boolean[]{true, false}) {
            for (boolean log : new boolean[]{true, false}) {
                ComputationGraph three = graph(false, DataType.FLOAT, log);
                ComputationGraph fused = graph(true, DataType.FLOAT, log);
                OneDnn.setEnabled(useChain);
                MultiDataSet d = data(DataType.FLOAT, 9);
                assertEquals(useChain, ((NativeConvBnReluImpl) fused.getLayer("block1")).usesChain(d.getFeatures(0)));
                String where = (useChain ? "chain" : "fallback") + ", useLogStd " + log;
                three.setInputs(d.getFeatures());
                three.setLabels(d.getLabels());
                three.computeGradientAndScore();
                fused.setInputs(d.getFeatures());
                fused.setLabels(d.getLabels());
                fused.computeGradientAndScore();
                assertEquals(three.score(), fused.score(), 1e-5 * Math.abs(three.score()), "loss, " + where);
                assertClose(three.gradient().gradient(), fused.gradient().gradient(), 2e-5, "gradient, " + where);
                for (int step = 0; step < 3; step++) {
                    three.fit(data(DataType.FLOAT, 20 + step));
                    fused.fit(data(DataType.FLOAT, 20 + step));
                }
                assertClose(three.params(), fused.params(), 2e-4, "parameters after 3 steps, " + where);
                INDArray x = data(DataType.FLOAT, 40).getFeatures(0);
                assertClose(three.outputSingle(false, x), fused.outputSingle(false, x), 2e-4, "inference, " + where);
            }
        }
    }

    /**
     * A NaN pixel gives a NaN loss, as with the three layers: oneDNN's fused ReLU alone would map the NaN batch
     * statistics' outputs to 0 and hide the fault from the training's NaN guard until after the update. Likewise a NaN
     * gamma.
     */
    @Test
    void aNanInTheInputOrTheParametersGivesANanLoss() {
        assumeTrue(OneDnn.available());
        for (boolean inParameters : new boolean[]{false, true}) {
            for (boolean fused : new boolean[]{false, true}) {
                ComputationGraph g = graph(fused, DataType.FLOAT, true);
                MultiDataSet d = data(DataType.FLOAT, 4);
                if (inParameters) {
                    g.getLayer(fused ? "block2" : "block2_bn").getParam("gamma").putScalar(3, Float.NaN);
                } else {
                    d.getFeatures(0).putScalar(0, Float.NaN);
                }
                if (fused) {
                    assertTrue(((NativeConvBnReluImpl) g.getLayer("block1")).usesChain(d.getFeatures(0)));
                }
                g.setInputs(d.getFeatures());
                g.setLabels(d.getLabels());
                g.computeGradientAndScore();
                assertTrue(Double.isNaN(g.score()), (fused ? "fused" : "three layers") + (inParameters ? ", NaN gamma" : ", NaN pixel")
                        + ": loss " + g.score());
            }
        }
    }

    @Test
    void firstBlockWithoutInputGradientReturnsNone() {
        assumeTrue(OneDnn.available());
        ComputationGraph fused = graph(true, DataType.FLOAT, true);
        fused.initGradientsView();
        org.deeplearning4j.nn.api.Layer block = fused.getLayer("block1");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray y = block.activate(data(DataType.FLOAT, 3).getFeatures(0), true, mgr);
        assertNull(block.backpropGradient(Nd4j.rand(DataType.FLOAT, y.shape()), mgr).getSecond());
    }

    /**
     * The fallback path in double (the three layers' code on views of the block's arrays), with one and with two
     * batch-norm groups: in [2, 5, 5], two blocks, a batch of 4.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void gradientCheckDoublePrecision(int groups) {
        for (boolean log : new boolean[]{true, false}) {
            ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5)
                    .dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder().addInputs("in")
                    .setInputTypes(InputType.convolutional(5, 5, 2))
                    .addLayer("block1", new NativeConvBnRelu.Builder(3, 3).batchNormGroups(groups).useLogStd(log).nOut(3)
                            .convolutionMode(ConvolutionMode.Same).build(), "in")
                    .addLayer("block2", new NativeConvBnRelu.Builder(3, 3).batchNormGroups(groups).useLogStd(log)
                            .stride(2, 2).nOut(4).convolutionMode(ConvolutionMode.Same).build(), "block1")
                    .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                            .activation(Activation.IDENTITY).build(), "block2")
                    .setOutputs("out").build());
            g.init();
            Nd4j.getRandom().setSeed(11);
            for (String name : new String[]{"block1", "block2"}) {
                INDArray beta = g.getLayer(name).getParam("beta");
                beta.assign(Nd4j.rand(DataType.DOUBLE, beta.shape()).subi(0.5));
            }
            INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 2, 5, 5);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 4, 3, 3);
            String v = log ? "log10stdev" : "var";
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{x}).labels(new INDArray[]{labels})
                    .excludeParams(Set.of("block1_mean", "block1_" + v, "block2_mean", "block2_" + v))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)), groups + " groups, useLogStd " + log);
        }
    }

    @Test
    void jsonAndModelFileRoundTrips(@TempDir File dir) throws Exception {
        ComputationGraph g = graph(true, DataType.FLOAT, false);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back);
        NativeConvBnRelu layer = (NativeConvBnRelu) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("block1")).getLayerConf().getLayer();
        assertFalse(layer.isInputGradient());
        assertFalse(layer.isUseLogStd());
        assertEquals(0.8, layer.getDecay(), 0.0);
        g.fit(data(DataType.FLOAT, 1));
        File f = new File(dir, "fused.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), restored.params());
        assertEquals(g.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        INDArray x = data(DataType.FLOAT, 2).getFeatures(0);
        assertEquals(g.outputSingle(false, x), restored.outputSingle(false, x));
    }

    /**
     * A graph configuration saved as JSON when the layer was introduced (session 22): a rename or move of the class, or
     * of its settings, would stop it loading. Model files are user data.
     */
    @Test
    void savedJsonStillLoadsAsTheFusedLayer() throws Exception {
        String json;
        try (java.io.InputStream in = NativeConvBnRelu.class.getResourceAsStream("native-conv-bn-relu-v0.3.json")) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json);
        NativeConvBnRelu block = (NativeConvBnRelu) ((org.deeplearning4j.nn.conf.graph.LayerVertex) conf.getVertices()
                .get("block")).getLayerConf().getLayer();
        assertFalse(block.isInputGradient());
        assertFalse(block.isUseLogStd());
        assertEquals(1e-4, block.getEps(), 0.0);
        assertEquals(0.8, block.getDecay(), 0.0);
        assertEquals(4, block.getNOut());
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        assertTrue(g.getLayer("block") instanceof NativeConvBnReluImpl);
        assertEquals(java.util.List.of("W", "gamma", "beta", "mean", "var"), ((NativeConvBnReluImpl) g.getLayer("block")).keys());
        assertEquals(4 * 2 * 9 + 4 * 4, g.getLayer("block").numParams());
    }

    @Test
    void refusesABiasOrAnotherActivation() {
        IllegalStateException bias = assertThrows(IllegalStateException.class,
                () -> new NativeConvBnRelu.Builder(3, 3).nOut(4).hasBias(true).build());
        assertTrue(bias.getMessage().contains("hasBias(false)"), bias.getMessage());
        IllegalStateException act = assertThrows(IllegalStateException.class,
                () -> new NativeConvBnRelu.Builder(3, 3).nOut(4).activation(Activation.TANH).build());
        assertTrue(act.getMessage().contains("ReLU"), act.getMessage());
    }

    @Test
    void updatersAndRegularisationPerParameterAsTheThreeLayers() {
        NativeConvBnRelu l = (NativeConvBnRelu) new NativeConvBnRelu.Builder(3, 3).nIn(2).nOut(4)
                .updater(new Adam(1e-3)).weightDecay(1e-4).build();
        assertTrue(l.getUpdaterByParam("mean") instanceof NoOp);
        assertTrue(l.getUpdaterByParam("log10stdev") instanceof NoOp);
        assertTrue(l.getUpdaterByParam("gamma") instanceof Adam);
        assertTrue(l.getUpdaterByParam("W") instanceof Adam);
        assertFalse(l.getRegularizationByParam("W") == null || l.getRegularizationByParam("W").isEmpty());
        assertNull(l.getRegularizationByParam("gamma"));
        assertNull(l.getRegularizationByParam("beta"));
    }
}
