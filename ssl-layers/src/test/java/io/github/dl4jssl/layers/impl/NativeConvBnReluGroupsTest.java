package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeActivationLayer;
import io.github.dl4jssl.layers.NativeConvBnRelu;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import io.github.dl4jssl.layers.SplitBatchNormalization;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jssl.layers.impl.NativeConvBnReluTest.assertClose;
import static io.github.dl4jssl.layers.impl.NativeConvBnReluTest.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link NativeConvBnRelu} with batch-norm groups (MoCo's shuffle BN) against a {@link NativeConvolutionLayer}, a
 * {@link SplitBatchNormalization} of the same groups and a ReLU: the same loss, gradients, parameters and running
 * statistics after Adam steps, and inference, through the oneDNN chain and the layer's own code (its gradient check
 * with groups is in {@link NativeConvBnReluTest}); the groups in JSON; and the errors for bad groups.
 */
class NativeConvBnReluGroupsTest {

    private static final int N = 6;
    private static final int C_IN = 3;
    private static final int H = 9;
    private static final int[][] BLOCKS = {{20, 1}, {16, 2}};

    @AfterEach
    void restore() {
        OneDnn.setEnabled(true);
    }

    /** in [3, 9, 9] -> block 1 (20 channels) -> block 2 (stride 2, 16 channels) -> MSE; no weight decay. */
    static ComputationGraph graph(boolean fused, DataType type, boolean useLogStd, int groups) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(5).dataType(type)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(H, H, C_IN));
        String prev = "in";
        for (int i = 0; i < BLOCKS.length; i++) {
            String name = "block" + (i + 1);
            if (fused) {
                b.addLayer(name, new NativeConvBnRelu.Builder(3, 3).batchNormGroups(groups).useLogStd(useLogStd)
                        .decay(0.8).stride(BLOCKS[i][1], BLOCKS[i][1]).nOut(BLOCKS[i][0])
                        .convolutionMode(ConvolutionMode.Same).build(), prev);
                prev = name;
            } else {
                b.addLayer(name + "_conv", new NativeConvolutionLayer.Builder(3, 3).stride(BLOCKS[i][1], BLOCKS[i][1])
                        .nOut(BLOCKS[i][0]).convolutionMode(ConvolutionMode.Same).hasBias(false)
                        .activation(Activation.IDENTITY).build(), prev);
                b.addLayer(name + "_bn", SplitBatchNormalization.from(new BatchNormalization.Builder()
                        .nOut(BLOCKS[i][0]).useLogStd(useLogStd).decay(0.8).build(), groups), name + "_conv");
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

    /** The reference graph's name of a fused graph's parameter: block1_W is block1_conv_W, block1_gamma block1_bn_gamma. */
    private static String reference(String fusedKey) {
        int cut = fusedKey.indexOf('_');
        String block = fusedKey.substring(0, cut);
        String param = fusedKey.substring(cut + 1);
        return block + ("W".equals(param) ? "_conv_" : "_bn_") + param;
    }

    /** Every parameter of the fused graph (running statistics included) against its reference counterpart. */
    private static void assertParamsClose(ComputationGraph split, ComputationGraph fused, double tol, String what) {
        for (var e : fused.paramTable().entrySet()) {
            if (!e.getKey().startsWith("out")) {
                assertClose(split.getParam(reference(e.getKey())), e.getValue(), tol, e.getKey() + ", " + what);
            }
        }
    }

    private static void copyParams(ComputationGraph fused, ComputationGraph split) {
        for (var e : fused.paramTable().entrySet()) {
            split.getParam(reference(e.getKey())).assign(e.getValue());
        }
    }

    @Test
    void chainAndOwnCodeGiveWhatSplitBatchNormalizationGives() {
        assumeTrue(OneDnn.available());
        for (int groups : new int[]{2, 3}) {
            for (boolean useChain : new boolean[]{false, true}) {
                for (boolean log : new boolean[]{true, false}) {
                    String where = groups + " groups, " + (useChain ? "chain" : "own code") + ", useLogStd " + log;
                    ComputationGraph split = graph(false, DataType.FLOAT, log, groups);
                    ComputationGraph fused = graph(true, DataType.FLOAT, log, groups);
                    copyParams(fused, split);
                    OneDnn.setEnabled(useChain);
                    MultiDataSet d = data(DataType.FLOAT, 9);
                    assertEquals(useChain, ((NativeConvBnReluImpl) fused.getLayer("block1")).usesChain(d.getFeatures(0)), where);
                    for (ComputationGraph g : new ComputationGraph[]{split, fused}) {
                        g.setInputs(d.getFeatures());
                        g.setLabels(d.getLabels());
                        g.computeGradientAndScore();
                    }
                    assertEquals(split.score(), fused.score(), 1e-5 * Math.abs(split.score()), "loss, " + where);
                    for (String key : new String[]{"block1_W", "block1_gamma", "block1_beta", "block2_W", "block2_gamma", "block2_beta"}) {
                        assertClose(split.gradient().getGradientFor(reference(key)), fused.gradient().getGradientFor(key),
                                2e-5, "gradient of " + key + ", " + where);
                    }
                    // one group's statistics differ from the whole batch's: the groups must matter
                    ComputationGraph whole = graph(true, DataType.FLOAT, log, 1);
                    whole.setParams(fused.params());
                    assertNotEquals(whole.outputSingle(true, d.getFeatures(0)), fused.outputSingle(true, d.getFeatures(0)), where);
                    copyParams(fused, split); // SplitBatchNormalization updated its running statistics in its backward pass
                    for (int step = 0; step < 3; step++) {
                        split.fit(data(DataType.FLOAT, 20 + step));
                        fused.fit(data(DataType.FLOAT, 20 + step));
                    }
                    assertParamsClose(split, fused, 2e-4, "after 3 steps, " + where);
                    INDArray x = data(DataType.FLOAT, 40).getFeatures(0);
                    assertClose(split.outputSingle(false, x), fused.outputSingle(false, x), 2e-4, "inference, " + where);
                }
            }
        }
    }

    @Test
    void groupsSurviveJsonAndCopies() {
        ComputationGraph g = graph(true, DataType.FLOAT, true, 3);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back);
        NativeConvBnRelu layer = (NativeConvBnRelu) ((LayerVertex) back.getVertices().get("block1")).getLayerConf().getLayer();
        assertEquals(3, layer.getBatchNormGroups());
        NativeConvBnRelu two = layer.withBatchNormGroups(2);
        assertEquals(2, two.getBatchNormGroups());
        assertEquals(3, layer.getBatchNormGroups(), "the copy leaves the original alone");
        assertNotEquals(layer, two);
        assertEquals(1, ((NativeConvBnRelu) new NativeConvBnRelu.Builder(3, 3).nOut(4).build()).getBatchNormGroups());
    }

    @Test
    void refusesBadGroupsWithTheFix() {
        IllegalStateException zero = assertThrows(IllegalStateException.class,
                () -> new NativeConvBnRelu.Builder(3, 3).batchNormGroups(0).nOut(4).build());
        assertTrue(zero.getMessage().contains("batchNormGroups"), zero.getMessage());
        ComputationGraph g = graph(true, DataType.FLOAT, true, 4);
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> g.fit(data(DataType.FLOAT, 1)));
        assertTrue(batch.getMessage().contains("divisible by 4"), batch.getMessage());
    }
}
