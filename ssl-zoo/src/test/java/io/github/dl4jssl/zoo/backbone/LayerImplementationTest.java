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
        double scale = Math.max(expected.norm2Number().doubleValue(), 1e-6);
        double diff = expected.sub(actual).norm2Number().doubleValue();
        assertTrue(diff <= relTol * scale, what + ": |slow - fast| = " + diff + ", |slow| = " + scale);
    }

    /** Score, all gradients, then two fit steps: parameters (incl. running mean/log-std) and test-mode output. */
    private static void assertSamePath(Backbone slow, Backbone fast, DataSet data) {
        ComputationGraph a = simclr(slow);
        ComputationGraph b = simclr(fast);
        assertEquals(a.params(), b.params(), "same seed, same initial parameters");

        a.setInputs(data.getFeatures());
        a.setLabels(data.getLabels());
        a.computeGradientAndScore();
        b.setInputs(data.getFeatures());
        b.setLabels(data.getLabels());
        b.computeGradientAndScore();
        assertEquals(a.score(), b.score(), 1e-5 * Math.abs(a.score()), "NT-Xent loss");
        Map<String, INDArray> ga = a.gradient().gradientForVariable();
        Map<String, INDArray> gb = b.gradient().gradientForVariable();
        assertEquals(ga.keySet(), gb.keySet());
        for (String k : ga.keySet()) {
            assertClose(ga.get(k), gb.get(k), 2e-3, "gradient " + k);
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

    @Test
    void backbonesBuildTheChosenLayers() {
        ComputationGraphConfiguration fast = simclr(new SmallCnn(12, 12, 1, LayerImplementation.NATIVE)).getConfiguration();
        ComputationGraphConfiguration slow = simclr(new SmallCnn(12, 12, 1, LayerImplementation.DL4J)).getConfiguration();
        assertInstanceOf(NativeConvolutionLayer.class, layer(fast, "backbone_conv1"));
        assertInstanceOf(NativeBatchNormalization.class, layer(fast, "backbone_bn1"));
        assertFalse(layer(slow, "backbone_conv1") instanceof NativeConvolutionLayer);
        assertFalse(layer(slow, "backbone_bn1") instanceof NativeBatchNormalization);
        assertInstanceOf(io.github.dl4jssl.layers.NativeActivationLayer.class, layer(fast, "backbone_relu1"));
        assertFalse(layer(slow, "backbone_relu1") instanceof io.github.dl4jssl.layers.NativeActivationLayer);
        assertEquals(LayerImplementation.NATIVE, new SmallCnn().layers(), "native is the default");
        assertEquals(LayerImplementation.NATIVE, new ResNet18Cifar().layers(), "native is the default");
        assertEquals(fast, ComputationGraphConfiguration.fromJson(fast.toJson()));
        assertThrows(IllegalArgumentException.class, () -> LayerImplementation.byName("fast"));
        assertEquals(LayerImplementation.DL4J, LayerImplementation.byName(" DL4J "));
    }

    @Test
    void defaultFollowsTheBackend() {
        assertEquals(LayerImplementation.DL4J, LayerImplementation.forBackend("CUDA"), "DL4J's layers on a GPU");
        assertEquals(LayerImplementation.DL4J, LayerImplementation.forBackend(" cuda "));
        assertEquals(LayerImplementation.NATIVE, LayerImplementation.forBackend("CPU"), "the CPU-tuned layers on the CPU");
        assertEquals(LayerImplementation.NATIVE, LayerImplementation.forBackend(null));
        assertEquals("CPU", LayerImplementation.currentBackend(), "these tests run on nd4j-native");
        assertEquals(LayerImplementation.forBackend(LayerImplementation.currentBackend()), LayerImplementation.DEFAULT);
        assertEquals(LayerImplementation.NATIVE, LayerImplementation.DEFAULT);
    }

    private static Object layer(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }
}
