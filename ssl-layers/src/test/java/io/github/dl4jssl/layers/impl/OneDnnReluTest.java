package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeActivationLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oneDNN path of {@link NativeActivationLayer}'s ReLU (float only) against DL4J's own {@link ActivationLayer}
 * computed in double: output and input gradient, zeros (the kink) included, equal to float rounding (a ReLU only
 * selects values); an output gradient that is not dense; and where libnd4j's ops stay.
 */
class OneDnnReluTest {

    @AfterEach
    void restore() {
        OneDnn.setEnabled(true);
    }

    private static ComputationGraph graph(Layer layer, DataType type, int[] shape) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4).dataType(type)
                .updater(new Sgd(0.0)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(shape[2], shape[3], shape[1]))
                .addLayer("layer", layer, "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "layer")
                .setOutputs("out").build());
        g.init();
        g.initGradientsView();
        return g;
    }

    /** Training output and input gradient of layer "layer" for x and the output gradient dOut. */
    private static INDArray[] passes(ComputationGraph g, INDArray x, INDArray dOut) {
        org.deeplearning4j.nn.api.Layer layer = g.getLayer("layer");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        INDArray out = layer.activate(true, mgr).dup();
        return new INDArray[]{out, layer.backpropGradient(dOut, mgr).getSecond().dup()};
    }

    @Test
    void reluGivesDl4jsResultsInDouble() {
        int[] shape = {3, 5, 4, 7};
        ComputationGraph reference = graph(new ActivationLayer(Activation.RELU), DataType.DOUBLE, shape);
        ComputationGraph oneDnn = graph(NativeActivationLayer.relu(), DataType.FLOAT, shape);
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 5, 4, 7);
        x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).assign(0); // ReLU's kink: gradient 0 there, as DL4J
        INDArray xf = x.castTo(DataType.FLOAT);
        assertTrue(((NativeActivationLayerImpl) oneDnn.getLayer("layer")).usesOneDnn(xf));
        INDArray dOut = Nd4j.randn(DataType.DOUBLE, 3, 5, 4, 7);
        INDArray[] expected = passes(reference, x, dOut);
        INDArray[] actual = passes(oneDnn, xf, dOut.castTo(DataType.FLOAT));
        assertEquals(expected[0].castTo(DataType.FLOAT), actual[0], "output");
        assertEquals(expected[1].castTo(DataType.FLOAT), actual[1], "input gradient");
        // an output gradient that is not dense (column-major) is read correctly
        INDArray[] fOrder = passes(oneDnn, xf, dOut.castTo(DataType.FLOAT).dup('f'));
        assertEquals(actual[1], fOrder[1], "input gradient from a column-major output gradient");
    }

    /**
     * A NaN in the input stays NaN in the output, as in DL4J's ReLU: training's NaN checks (--nan-policy, the resume
     * tests) rely on it. oneDNN's forward ReLU maps NaN to 0; this failed when the layer used it. The backward pass
     * equals DL4J's everywhere but at NaN inputs (see below).
     */
    @Test
    void nanPropagatesAsInDl4j() {
        int[] shape = {2, 3, 4, 4};
        ComputationGraph reference = graph(new ActivationLayer(Activation.RELU), DataType.FLOAT, shape);
        ComputationGraph oneDnn = graph(NativeActivationLayer.relu(), DataType.FLOAT, shape);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 4, 4);
        x.putScalar(new long[]{0, 1, 2, 3}, Float.NaN);
        x.putScalar(new long[]{1, 0, 0, 0}, Float.NaN);
        INDArray dOut = Nd4j.randn(DataType.FLOAT, 2, 3, 4, 4);
        dOut.putScalar(new long[]{1, 2, 1, 1}, Float.NaN);
        INDArray[] expected = passes(reference, x, dOut);
        INDArray[] actual = passes(oneDnn, x, dOut);
        assertTrue(Float.isNaN(actual[0].getFloat(0, 1, 2, 3)) && Float.isNaN(actual[0].getFloat(1, 0, 0, 0)), "NaN kept");
        for (int i = 0; i < 2; i++) {
            INDArray e = expected[i];
            INDArray a = actual[i];
            for (long j = 0; j < e.length(); j++) {
                float ev = e.getFloat(j);
                float av = a.getFloat(j);
                if (i == 1 && (Float.isNaN(x.getFloat(j)) || Float.isNaN(dOut.getFloat(j)))) {
                    // where x or dL/dy is NaN, oneDNN's backward differs from DL4J's (a NaN x passes dL/dy through,
                    // a NaN dL/dy stays NaN where x <= 0; DL4J gives 0 for both), but a NaN never disappears; a step
                    // with NaN in its forward pass has a NaN loss, which training stops or skips (--nan-policy)
                    assertTrue(!Float.isNaN(ev) || Float.isNaN(av), "a NaN of DL4J's at " + j + " is kept: " + av);
                    continue;
                }
                assertTrue(Float.isNaN(ev) ? Float.isNaN(av) : ev == av, (i == 0 ? "output" : "input gradient") + " at " + j
                        + ": " + av + " against DL4J's " + ev);
            }
        }
    }

    @Test
    void theSwitchAndDoublePrecisionKeepLibnd4jsOps() {
        int[] shape = {2, 3, 4, 4};
        ComputationGraph reluF = graph(NativeActivationLayer.relu(), DataType.FLOAT, shape);
        ComputationGraph reluD = graph(NativeActivationLayer.relu(), DataType.DOUBLE, shape);
        INDArray xf = Nd4j.randn(DataType.FLOAT, 2, 3, 4, 4);
        assertFalse(((NativeActivationLayerImpl) reluD.getLayer("layer")).usesOneDnn(xf.castTo(DataType.DOUBLE)));
        assertTrue(((NativeActivationLayerImpl) reluF.getLayer("layer")).usesOneDnn(xf));
        OneDnn.setEnabled(false);
        assertFalse(((NativeActivationLayerImpl) reluF.getLayer("layer")).usesOneDnn(xf));
    }
}
