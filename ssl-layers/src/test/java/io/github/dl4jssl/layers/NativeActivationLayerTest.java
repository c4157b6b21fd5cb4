package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.NativeActivationLayerImpl;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
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

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class NativeActivationLayerTest {


    /** in [2, 4, 5] -> conv 3x3 (3) -> activation -> MSE(2). */
    private static ComputationGraph net(ActivationLayer activation) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(4, 5, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.IDENTITY).build(), "in")
                .addLayer("act", activation, "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "act")
                .setOutputs("out").build();
        return TestGraphs.initialized(conf);
    }

    @Test
    void reluForwardAndBackwardEqualIndependentValues() {
        Layer layer = net(NativeActivationLayer.relu()).getLayer("act");
        assertInstanceOf(NativeActivationLayerImpl.class, layer);
        Nd4j.getRandom().setSeed(1);
        INDArray c = Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 5);
        // c-order, f-order and a permuted (non-contiguous) view of the same values
        for (INDArray x : new INDArray[]{c, c.dup('f'), c.permute(0, 1, 3, 2).dup('c').permute(0, 1, 3, 2)}) {
            INDArray eps = Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 5);
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            layer.setInput(x, mgr);
            INDArray out = layer.activate(true, mgr);
            INDArray dx = layer.backpropGradient(eps, mgr).getSecond();
            for (int i = 0; i < c.length(); i++) {
                long[] idx = org.nd4j.linalg.api.shape.Shape.ind2subC(c, i);
                double v = c.getDouble(idx);
                assertEquals(Math.max(v, 0), out.getDouble(idx), 0.0, "output at " + i);
                assertEquals(v > 0 ? eps.getDouble(idx) : 0.0, dx.getDouble(idx), 0.0, "input gradient at " + i);
            }
            assertEquals(c, x, "the input is not modified");
        }
    }

    @Test
    void sameScoreAndGradientsAsDl4jsLayer() {
        for (Activation a : new Activation[]{Activation.RELU, Activation.TANH, Activation.LEAKYRELU}) {
            ComputationGraph slow = net(new ActivationLayer(a));
            ComputationGraph fast = net(new NativeActivationLayer(a));
            assertEquals(slow.params(), fast.params());
            Nd4j.getRandom().setSeed(2);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 5);
            INDArray labels = Nd4j.randn(DataType.DOUBLE, 3, 2);
            for (ComputationGraph g : new ComputationGraph[]{slow, fast}) {
                g.setInputs(x);
                g.setLabels(labels);
                g.computeGradientAndScore();
            }
            assertEquals(slow.score(), fast.score(), 1e-14, a.name());
            slow.gradient().gradientForVariable().forEach((k, v) ->
                    assertEquals(v, fast.gradient().gradientForVariable().get(k), "gradient " + k + " " + a));
        }
    }

    @Test
    void gradientCheckDoublePrecision() {
        ComputationGraph g = net(NativeActivationLayer.relu());
        Nd4j.getRandom().setSeed(3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 5)})
                .labels(new INDArray[]{Nd4j.randn(DataType.DOUBLE, 3, 2)})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)));
    }

    @Test
    void jsonRoundTripAndModelSerializerKeepTheNativeLayer(@TempDir File dir) throws Exception {
        ComputationGraph g = net(NativeActivationLayer.relu());
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back);
        org.deeplearning4j.nn.conf.layers.Layer conf = ((LayerVertex) back.getVertices().get("act")).getLayerConf().getLayer();
        assertInstanceOf(NativeActivationLayer.class, conf);
        assertNotEquals(new ActivationLayer(Activation.RELU), conf);
        assertNotEquals(conf, new ActivationLayer(Activation.RELU));
        File f = new File(dir, "g.zip");
        ModelSerializer.writeModel(g, f, false);
        assertInstanceOf(NativeActivationLayerImpl.class, ModelSerializer.restoreComputationGraph(f).getLayer("act"));
    }
}
