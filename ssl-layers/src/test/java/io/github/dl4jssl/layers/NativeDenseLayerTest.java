package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.NativeDenseLayerImpl;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class NativeDenseLayerTest {

    /** in [5] -> dense(4, activation) -> dense(3, identity) -> MSE(2); both dense layers from {@code dense}. */
    private static ComputationGraph net(Supplier<DenseLayer.Builder> dense, Activation activation, boolean bias,
                                        DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(type)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .setInputTypes(InputType.feedForward(5))
                .addLayer("fc1", dense.get().nOut(4).hasBias(bias).activation(activation).build(), "in")
                .addLayer("fc2", dense.get().nOut(3).activation(Activation.IDENTITY).build(), "fc1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "fc2")
                .setOutputs("out").build();
        return TestGraphs.initialized(conf);
    }

    @Test
    void productsEqualIndependentValues() {
        for (Activation a : new Activation[]{Activation.IDENTITY, Activation.TANH}) {
            ComputationGraph graph = net(NativeDenseLayer.Builder::new, a, true, DataType.DOUBLE);
            graph.initGradientsView();
            Layer layer = graph.getLayer("fc1");
            assertInstanceOf(NativeDenseLayerImpl.class, layer);
            double[][] w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY).toDoubleMatrix();
            double[] b = layer.getParam(DefaultParamInitializer.BIAS_KEY).toDoubleVector();
            Nd4j.getRandom().setSeed(1);
            INDArray c = Nd4j.randn(DataType.DOUBLE, 6, 5);
            INDArray eps = Nd4j.randn(DataType.DOUBLE, 6, 4);
            // c-order and f-order input and output gradient
            for (INDArray[] xe : new INDArray[][]{{c, eps}, {c.dup('f'), eps.dup('f')}}) {
                LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
                layer.setInput(xe[0], mgr);
                INDArray y = layer.activate(true, mgr).dup();
                var back = layer.backpropGradient(xe[1], mgr);
                INDArray dx = back.getSecond();
                INDArray dW = back.getFirst().getGradientFor(DefaultParamInitializer.WEIGHT_KEY);
                INDArray db = back.getFirst().getGradientFor(DefaultParamInitializer.BIAS_KEY);
                double[][] delta = new double[6][4];
                for (int i = 0; i < 6; i++) {
                    for (int j = 0; j < 4; j++) {
                        double z = b[j];
                        for (int k = 0; k < 5; k++) {
                            z += c.getDouble(i, k) * w[k][j];
                        }
                        double out = a == Activation.TANH ? Math.tanh(z) : z;
                        assertEquals(out, y.getDouble(i, j), 1e-12, "y " + a);
                        delta[i][j] = eps.getDouble(i, j) * (a == Activation.TANH ? 1 - out * out : 1);
                    }
                }
                for (int j = 0; j < 4; j++) {
                    double sum = 0;
                    for (int i = 0; i < 6; i++) {
                        sum += delta[i][j];
                    }
                    assertEquals(sum, db.getDouble(j), 1e-12, "db " + a);
                    for (int k = 0; k < 5; k++) {
                        double g = 0;
                        for (int i = 0; i < 6; i++) {
                            g += c.getDouble(i, k) * delta[i][j];
                        }
                        assertEquals(g, dW.getDouble(k, j), 1e-12, "dW " + a);
                    }
                }
                for (int i = 0; i < 6; i++) {
                    for (int k = 0; k < 5; k++) {
                        double g = 0;
                        for (int j = 0; j < 4; j++) {
                            g += delta[i][j] * w[k][j];
                        }
                        assertEquals(g, dx.getDouble(i, k), 1e-12, "dx " + a);
                    }
                }
                assertEquals(c, xe[0], "the input is not modified");
                assertEquals(eps, xe[1], "the output gradient is not modified");
            }
        }
    }

    @Test
    void sameScoreAndGradientsAsDl4jsLayer() {
        for (DataType type : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-5;
            for (Activation a : new Activation[]{Activation.IDENTITY, Activation.RELU, Activation.TANH}) {
                for (boolean bias : new boolean[]{true, false}) {
                    ComputationGraph slow = net(DenseLayer.Builder::new, a, bias, type);
                    ComputationGraph fast = net(NativeDenseLayer.Builder::new, a, bias, type);
                    assertEquals(slow.params(), fast.params());
                    Nd4j.getRandom().setSeed(2);
                    INDArray x = Nd4j.randn(type, 8, 5);
                    INDArray labels = Nd4j.randn(type, 8, 2);
                    for (ComputationGraph g : new ComputationGraph[]{slow, fast}) {
                        g.setInputs(x);
                        g.setLabels(labels);
                        g.computeGradientAndScore();
                    }
                    String what = a + " bias " + bias + " " + type;
                    assertEquals(slow.score(), fast.score(), tolerance, what);
                    assertTrue(slow.gradient().gradient().equalsWithEps(fast.gradient().gradient(), tolerance), what);
                    INDArray[] eps = TestGraphs.inputGradients("fc1", x, slow, fast);
                    assertTrue(eps[0].equalsWithEps(eps[1], tolerance), "input gradient " + what);
                }
            }
        }
    }

    @Test
    void gradientCheckDoublePrecision() {
        for (Activation a : new Activation[]{Activation.IDENTITY, Activation.TANH}) {
            ComputationGraph g = net(NativeDenseLayer.Builder::new, a, true, DataType.DOUBLE);
            Nd4j.getRandom().setSeed(3);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{Nd4j.randn(DataType.DOUBLE, 4, 5)})
                    .labels(new INDArray[]{Nd4j.randn(DataType.DOUBLE, 4, 2)})
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)), a.name());
        }
    }

    @Test
    void layerNormalisationRunsDl4jsCodeWithTheSameResult() {
        ComputationGraph slow = net(() -> new DenseLayer.Builder().hasLayerNorm(true), Activation.TANH, true,
                DataType.DOUBLE);
        ComputationGraph fast = net(() -> new NativeDenseLayer.Builder().hasLayerNorm(true), Activation.TANH, true,
                DataType.DOUBLE);
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 5);
        INDArray labels = Nd4j.randn(DataType.DOUBLE, 8, 2);
        for (ComputationGraph g : new ComputationGraph[]{slow, fast}) {
            g.setInputs(x);
            g.setLabels(labels);
            g.computeGradientAndScore();
        }
        assertEquals(slow.score(), fast.score(), 0.0);
        assertEquals(slow.gradient().gradient(), fast.gradient().gradient());
    }

    @Test
    void builderKeepsEveryDl4jSetting() {
        DenseLayer plain = new DenseLayer.Builder().nIn(5).nOut(4).hasBias(false).activation(Activation.TANH)
                .l2(0.1).dropOut(0.8).name("fc").build();
        NativeDenseLayer copy = (NativeDenseLayer) new NativeDenseLayer.Builder().nIn(5).nOut(4).hasBias(false)
                .activation(Activation.TANH).l2(0.1).dropOut(0.8).name("fc").build();
        assertEquals(plain.getNIn(), copy.getNIn());
        assertEquals(plain.getNOut(), copy.getNOut());
        assertFalse(copy.hasBias());
        assertEquals(plain.getActivationFn(), copy.getActivationFn());
        assertEquals(plain.getRegularization(), copy.getRegularization());
        assertEquals(plain.getIDropout(), copy.getIDropout());
        assertEquals("fc", copy.getLayerName());
        assertNotEquals(plain, copy);
        assertNotEquals(copy, plain);
    }

    @Test
    void jsonRoundTripAndModelSerializerKeepTheNativeLayer(@TempDir File dir) throws Exception {
        ComputationGraph g = net(NativeDenseLayer.Builder::new, Activation.RELU, true, DataType.DOUBLE);
        NativeDenseLayer conf = TestGraphs.jsonRoundTripped(g.getConfiguration(), "fc1");
        assertEquals(Activation.RELU.getActivationFunction(), conf.getActivationFn());
        File f = new File(dir, "g.zip");
        ModelSerializer.writeModel(g, f, false);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f);
        assertInstanceOf(NativeDenseLayerImpl.class, back.getLayer("fc1"));
        assertEquals(g.params(), back.params());
    }

    /**
     * A graph configuration saved as JSON when the layer was introduced (session 19; {@code hasBias(false)}, ReLU):
     * a rename or move of the class would stop it loading. Model files are user data.
     */
    @Test
    void savedJsonStillLoadsAsTheNativeLayer() throws Exception {
        String json;
        try (java.io.InputStream in = getClass().getResourceAsStream("native-dense-layer-v0.2.json")) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json);
        NativeDenseLayer fc1 = (NativeDenseLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                conf.getVertices().get("fc1")).getLayerConf().getLayer();
        assertFalse(fc1.hasBias());
        assertEquals(5, fc1.getNIn());
        assertEquals(4, fc1.getNOut());
        assertEquals(Activation.RELU.getActivationFunction(), fc1.getActivationFn());
        ComputationGraph g = TestGraphs.initialized(conf);
        assertInstanceOf(NativeDenseLayerImpl.class, g.getLayer("fc1"));
        assertEquals(5 * 4, g.getLayer("fc1").numParams(), "W only, no bias");
    }

    @Test
    void wrongInputIsAnErrorNamingTheSizes() {
        Layer layer = net(NativeDenseLayer.Builder::new, Activation.IDENTITY, true, DataType.DOUBLE).getLayer("fc1");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(Nd4j.zeros(DataType.DOUBLE, 3, 6), mgr);
        DL4JInvalidInputException e = assertThrows(DL4JInvalidInputException.class, () -> layer.activate(true, mgr));
        assertTrue(e.getMessage().contains("6 columns") && e.getMessage().contains("layer # inputs = 5"), e.getMessage());
        layer.setInput(Nd4j.zeros(DataType.DOUBLE, 3, 5, 1), mgr);
        e = assertThrows(DL4JInvalidInputException.class, () -> layer.activate(true, mgr));
        assertTrue(e.getMessage().contains("rank 3"), e.getMessage());
    }
}
