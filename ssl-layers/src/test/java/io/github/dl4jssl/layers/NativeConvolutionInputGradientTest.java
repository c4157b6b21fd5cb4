package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.OneDnn;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link NativeConvolutionLayer.Builder#inputGradient(boolean) inputGradient(false)} on a first layer: the backward
 * pass returns no input gradient, and everything else is what the layer computes with it: the score, every parameter
 * gradient and the parameters after SGD steps of {@code graph.fit}, on each of the layer's paths (oneDNN in float,
 * the column products in double, libnd4j's {@code conv2d_bp} for NHWC). The setting survives JSON, and model files
 * written before it existed load with the input gradient on.
 */
class NativeConvolutionInputGradientTest {

    /** in -> conv 3x3 Same (the setting under test) -> BN -> conv 3x3/2 -> MSE(3), SGD. */
    private static ComputationGraphConfiguration conf(boolean inputGradient, DataType type, CNN2DFormat format) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(type).updater(new Sgd(0.1)).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(6, 6, 2, format))
                .addLayer("conv1", new NativeConvolutionLayer.Builder(3, 3).inputGradient(inputGradient).stride(1, 1)
                        .nOut(4).convolutionMode(ConvolutionMode.Same).hasBias(true).activation(Activation.TANH)
                        .dataFormat(format).build(), "in")
                .addLayer("bn1", new NativeBatchNormalization.Builder().build(), "conv1")
                .addLayer("conv2", new NativeConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(3)
                        .convolutionMode(ConvolutionMode.Same).hasBias(false).activation(Activation.IDENTITY)
                        .dataFormat(format).build(), "bn1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "conv2")
                .setOutputs("out").build();
    }

    private static DataSet data(DataType type, CNN2DFormat format) {
        Nd4j.getRandom().setSeed(17);
        INDArray x = format == CNN2DFormat.NCHW ? Nd4j.randn(type, 5, 2, 6, 6) : Nd4j.randn(type, 5, 6, 6, 2);
        return new DataSet(x, Nd4j.rand(type, 5, 3));
    }

    @Test
    void onlyTheInputGradientIsSkippedOnEveryPath() {
        assertTrue(OneDnn.available(), "oneDNN loads on the machines this project is tested on");
        Object[][] paths = {{DataType.FLOAT, CNN2DFormat.NCHW}, {DataType.DOUBLE, CNN2DFormat.NCHW},
                {DataType.DOUBLE, CNN2DFormat.NHWC}};
        for (Object[] p : paths) {
            DataType type = (DataType) p[0];
            CNN2DFormat format = (CNN2DFormat) p[1];
            String what = type + " " + format;
            ComputationGraph with = TestGraphs.initialized(conf(true, type, format));
            ComputationGraph without = TestGraphs.initialized(conf(false, type, format));
            assertEquals(with.params(), without.params(), what);
            DataSet d = data(type, format);

            for (ComputationGraph g : new ComputationGraph[]{with, without}) {
                g.setInputs(d.getFeatures());
                g.setLabels(d.getLabels());
                g.computeGradientAndScore();
            }
            assertEquals(with.score(), without.score(), 0.0, what);
            with.gradient().gradientForVariable().forEach((k, v) ->
                    assertEquals(v, without.gradient().gradientForVariable().get(k), what + " gradient " + k));
            assertTrue(with.gradient().gradientForVariable().get("conv1_W").norm2Number().doubleValue() > 0, what);

            INDArray[] eps = TestGraphs.inputGradients("conv1", d.getFeatures(), with, without);
            assertNotNull(eps[0], what);
            assertTrue(eps[0].norm2Number().doubleValue() > 0, what);
            assertNull(eps[1], what + ": no input gradient when it is not wanted");
            // the layer alone: the same parameter gradients
            assertEquals(with.getLayer("conv1").getGradientsViewArray(), without.getLayer("conv1").getGradientsViewArray(), what);

            for (int step = 0; step < 2; step++) {
                with.fit(d);
                without.fit(d);
            }
            assertEquals(with.params(), without.params(), what + ": parameters after two fit steps");
        }
    }

    @Test
    void layerAloneReturnsNoInputGradientInWorkspaces() {
        ComputationGraph g = TestGraphs.initialized(conf(false, DataType.FLOAT, CNN2DFormat.NCHW));
        g.initGradientsView();
        org.deeplearning4j.nn.api.Layer conv = g.getLayer("conv1");
        INDArray x = data(DataType.FLOAT, CNN2DFormat.NCHW).getFeatures();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        conv.setInput(x, mgr);
        INDArray out = conv.activate(true, mgr);
        assertNull(conv.backpropGradient(Nd4j.onesLike(out), mgr).getSecond());
    }

    @Test
    void settingSurvivesJsonAndOldModelFilesComputeTheInputGradient() throws Exception {
        ComputationGraphConfiguration off = conf(false, DataType.DOUBLE, CNN2DFormat.NCHW);
        NativeConvolutionLayer conv1 = TestGraphs.jsonRoundTripped(off, "conv1");
        NativeConvolutionLayer conv2 = TestGraphs.jsonRoundTripped(off, "conv2");
        assertFalse(conv1.isInputGradient());
        assertTrue(conv2.isInputGradient(), "the default");
        assertNotEquals(conf(true, DataType.DOUBLE, CNN2DFormat.NCHW), off, "the setting is part of the configuration");

        String json = off.toJson();
        assertTrue(json.contains("inputGradient"), "written to the model's JSON");
        // a model file written before the setting existed has no such field
        ObjectNode tree = (ObjectNode) new ObjectMapper().readTree(json);
        assertEquals(2, removeField(tree, "inputGradient"), "one field per convolution");
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(tree.toString());
        NativeConvolutionLayer loaded = (NativeConvolutionLayer)
                ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("conv1")).getLayerConf().getLayer();
        assertTrue(loaded.isInputGradient(), "absent means the input gradient is computed");
    }

    /** Removes every field {@code name} from a JSON tree; returns how many. */
    private static int removeField(JsonNode node, String name) {
        int removed = 0;
        if (node instanceof ObjectNode && node.has(name)) {
            ((ObjectNode) node).remove(name);
            removed++;
        }
        for (JsonNode child : node) {
            removed += removeField(child, name);
        }
        return removed;
    }
}
