package io.github.dl4jssl.zoo.backbone;

import io.github.dl4jssl.layers.NativeBatchNormalization;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import io.github.dl4jssl.zoo.method.SimClr;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fast path (native convolution and batch normalisation) computes what the slow path (DL4J's layers)
 * computes: the SimCLR loss and every gradient on SmallCnn and a small ResNet-18, the running statistics after
 * training steps, and the inference-mode output.
 */
class LayerImplementationTest {

    private static ComputationGraph simclr(Backbone backbone) {
        return new SimClr.Builder().backbone(backbone).temperature(0.5).updater(new Adam(1e-2)).seed(7).build().init();
    }

    private static DataSet batch(int pairs, int channels, int size) {
        Nd4j.getRandom().setSeed(11);
        return new DataSet(Nd4j.rand(DataType.FLOAT, 2L * pairs, channels, size, size),
                Nd4j.zeros(DataType.FLOAT, 2L * pairs, 1));
    }

    private static void assertClose(INDArray expected, INDArray actual, double relTol, String what) {
        double scale = expected.norm2Number().doubleValue();
        double diff = expected.sub(actual).norm2Number().doubleValue();
        // plus an absolute floor for arrays that are zero but for float noise (the running mean of MoCo v3's predictor
        // BatchNorm: its input is a bias-free linear map of the projector's batch-normalised, zero-mean output)
        assertTrue(diff <= relTol * scale + 1e-5, what + ": |slow - fast| = " + diff + ", |slow| = " + scale);
    }

    private static void computeGradientAndScore(ComputationGraph g, DataSet data) {
        g.setInputs(data.getFeatures());
        g.setLabels(data.getLabels());
        g.computeGradientAndScore();
    }

    /** Score, all gradients, then two fit steps: parameters (incl. running mean/log-std) and test-mode output. */
    private static void assertSamePath(Backbone slow, Backbone fast, DataSet data) {
        assertSamePath(slow, fast, data, LayerImplementationTest::simclr);
    }

    private static void assertSamePath(Backbone slow, Backbone fast, DataSet data,
                                       java.util.function.Function<Backbone, ComputationGraph> method) {
        ComputationGraph a = method.apply(slow);
        ComputationGraph b = method.apply(fast);
        assertEquals(a.params(), b.params(), "same seed, same initial parameters");

        computeGradientAndScore(a, data);
        computeGradientAndScore(b, data);
        assertEquals(a.score(), b.score(), 1e-5 * Math.abs(a.score()), "NT-Xent loss");
        Map<String, INDArray> ga = a.gradient().gradientForVariable();
        Map<String, INDArray> gb = b.gradient().gradientForVariable();
        assertEquals(ga.keySet(), gb.keySet());
        for (String k : ga.keySet()) {
            // DL4J reports "gradients" of a locked BatchNorm's gamma/beta constants in arrays of a closed workspace;
            // the running statistics' entries are update deltas near zero (float noise), compared after the fit steps
            boolean runningStatistic = k.endsWith("_mean") || k.endsWith("_var") || k.endsWith("_log10stdev");
            if (a.paramTable().containsKey(k) && !runningStatistic) {
                assertClose(ga.get(k), gb.get(k), 2e-3, "gradient " + k);
            }
        }

        for (int i = 0; i < 2; i++) {
            a.fit(data);
            b.fit(data);
        }
        for (String k : a.paramTable().keySet()) {
            assertClose(a.getParam(k), b.getParam(k), 2e-3, "parameter " + k + " after 2 steps");
        }
        INDArray features = data.getFeatures();
        assertClose(a.outputSingle(false, features), b.outputSingle(false, features), 2e-3, "inference output");
    }

    /**
     * FUSED (one NativeConvBnRelu per block) against DL4J's and the native three-layer blocks: the graph's vertices
     * differ, its flattened parameters and gradients do not (same values in the same order). Score, the whole
     * gradient, two Adam steps and the inference output.
     */
    @Test
    void fusedSmallCnnEqualsTheThreeLayerBlocks() {
        for (LayerImplementation slow : new LayerImplementation[]{LayerImplementation.DL4J, LayerImplementation.NATIVE}) {
            DataSet data = batch(8, 1, 12);
            ComputationGraph a = simclr(new SmallCnn(12, 12, 1, slow));
            ComputationGraph b = simclr(new SmallCnn(12, 12, 1, LayerImplementation.FUSED));
            assertEquals(a.params(), b.params(), "same seed, same initial parameters, against " + slow);
            assertTrue(b.getLayer("backbone_conv1") instanceof io.github.dl4jssl.layers.impl.NativeConvBnReluImpl);
            assertEquals(null, b.getVertex("backbone_bn1"), "one vertex per block");
            computeGradientAndScore(a, data);
            computeGradientAndScore(b, data);
            assertEquals(a.score(), b.score(), 1e-5 * Math.abs(a.score()), "NT-Xent loss against " + slow);
            assertClose(a.gradient().gradient(), b.gradient().gradient(), 2e-3, "gradient against " + slow);
            for (int i = 0; i < 2; i++) {
                a.fit(data);
                b.fit(data);
            }
            assertClose(a.params(), b.params(), 2e-3, "parameters after 2 steps against " + slow);
            INDArray features = data.getFeatures();
            assertClose(a.outputSingle(false, features), b.outputSingle(false, features), 2e-3,
                    "inference output against " + slow);
        }
        assertEquals(java.util.List.of("conv4"), new SmallCnn(12, 12, 1, LayerImplementation.FUSED).finalStage());
        assertEquals(LayerImplementation.FUSED, LayerImplementation.byName("fused"));
    }

    @Test
    void smallCnnFastPathEqualsDl4jPath() {
        assertSamePath(new SmallCnn(12, 12, 1, LayerImplementation.DL4J),
                new SmallCnn(12, 12, 1, LayerImplementation.NATIVE), batch(8, 1, 12));
    }

    @Test
    void resNetFastPathEqualsDl4jPath() {
        assertSamePath(new ResNet18Cifar(8, 8, 3, 4, LayerImplementation.DL4J),
                new ResNet18Cifar(8, 8, 3, 4, LayerImplementation.NATIVE), batch(4, 3, 8));
    }

    /**
     * MoCo v3's heads: projector with a BatchNorm of locked gamma/beta at its output, predictor, their EMA targets.
     * Plain SGD here: Adam divides each gradient entry by its own magnitude, so the heads' near-zero entries (float
     * noise of 1e-9 in both paths) become steps of the learning rate's size and the paths part by chance.
     */
    @Test
    void mocoV3HeadsFastPathEqualsDl4jPath() {
        assertSamePath(new SmallCnn(12, 12, 1, LayerImplementation.DL4J),
                new SmallCnn(12, 12, 1, LayerImplementation.NATIVE), batch(8, 1, 12),
                b -> new io.github.dl4jssl.zoo.method.MocoV3.Builder().backbone(b)
                        .updater(new org.nd4j.linalg.learning.config.Sgd(0.05)).seed(7).build().init());
    }

    @Test
    void backbonesBuildTheChosenLayers() {
        ComputationGraphConfiguration fast = simclr(new SmallCnn(12, 12, 1, LayerImplementation.NATIVE)).getConfiguration();
        ComputationGraphConfiguration slow = simclr(new SmallCnn(12, 12, 1, LayerImplementation.DL4J)).getConfiguration();
        assertInstanceOf(NativeConvolutionLayer.class, layer(fast, "backbone_conv1"));
        assertInstanceOf(NativeBatchNormalization.class, layer(fast, "backbone_bn1"));
        assertFalse(layer(slow, "backbone_conv1") instanceof NativeConvolutionLayer);
        assertFalse(layer(slow, "backbone_bn1") instanceof NativeBatchNormalization);
        // the heads' BatchNorm follows the backbone's implementation
        assertInstanceOf(NativeBatchNormalization.class, layer(fast, "projector_bn1"));
        assertFalse(layer(slow, "projector_bn1") instanceof NativeBatchNormalization);
        assertInstanceOf(io.github.dl4jssl.layers.NativeDenseLayer.class, layer(fast, "projector_fc1"));
        assertInstanceOf(io.github.dl4jssl.layers.NativeDenseLayer.class, layer(fast, "projector_fc2"));
        assertFalse(layer(slow, "projector_fc1") instanceof io.github.dl4jssl.layers.NativeDenseLayer);
        assertInstanceOf(io.github.dl4jssl.layers.NativeActivationLayer.class, layer(fast, "backbone_relu1"));
        assertFalse(layer(slow, "backbone_relu1") instanceof io.github.dl4jssl.layers.NativeActivationLayer);
        // the first convolution reads the images, whose gradient nothing uses: the native layer skips it
        assertFalse(((NativeConvolutionLayer) layer(fast, "backbone_conv1")).isInputGradient());
        assertTrue(((NativeConvolutionLayer) layer(fast, "backbone_conv2")).isInputGradient());
        ComputationGraphConfiguration resNet = simclr(new ResNet18Cifar(8, 8, 3, 4, LayerImplementation.NATIVE))
                .getConfiguration();
        assertFalse(((NativeConvolutionLayer) layer(resNet, "backbone_stem_conv")).isInputGradient());
        assertTrue(((NativeConvolutionLayer) layer(resNet, "backbone_stage1_block0_conv1")).isInputGradient());
        assertTrue(((NativeConvolutionLayer) layer(resNet, "backbone_stage2_block0_shortcut_conv")).isInputGradient());
        assertEquals(LayerImplementation.FUSED, new SmallCnn().layers(), "fused is the default on the CPU");
        assertEquals(LayerImplementation.FUSED, new ResNet18Cifar().layers(), "fused is the default on the CPU");
        assertEquals(fast, ComputationGraphConfiguration.fromJson(fast.toJson()));
        assertThrows(IllegalArgumentException.class, () -> LayerImplementation.byName("fast"));
        assertEquals(LayerImplementation.DL4J, LayerImplementation.byName(" DL4J "));
    }

    @Test
    void defaultFollowsTheBackend() {
        assertEquals(LayerImplementation.DL4J, LayerImplementation.forBackend("CUDA"), "DL4J's layers on a GPU");
        assertEquals(LayerImplementation.DL4J, LayerImplementation.forBackend(" cuda "));
        assertEquals(LayerImplementation.FUSED, LayerImplementation.forBackend("CPU"), "the CPU-tuned fused blocks on the CPU");
        assertEquals(LayerImplementation.FUSED, LayerImplementation.forBackend(null));
        assertEquals("CPU", LayerImplementation.currentBackend(), "these tests run on nd4j-native");
        assertEquals(LayerImplementation.forBackend(LayerImplementation.currentBackend()), LayerImplementation.DEFAULT);
        assertEquals(LayerImplementation.FUSED, LayerImplementation.DEFAULT);
    }

    private static Object layer(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }
}
