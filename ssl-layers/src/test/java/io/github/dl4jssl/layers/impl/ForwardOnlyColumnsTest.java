package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeConvolutionLayer;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A native convolution inside a {@link TrainModeFrozenLayer} (a momentum target, never backpropagated) keeps no
 * columns after its training-mode forward pass, computes the same output as the trainable copy, and the trainable
 * layer still keeps its columns for its backward pass and trains as before.
 */
class ForwardOnlyColumnsTest {

    private static org.deeplearning4j.nn.conf.layers.Layer conv() {
        return new NativeConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).hasBias(false)
                .activation(Activation.IDENTITY).build();
    }

    /** A double-precision graph builder with one 6x6x2 input, "in". */
    private static ComputationGraphConfiguration.GraphBuilder graph() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 6, 2));
    }

    @Test
    void frozenCopiesKeepNoColumnsAndComputeTheSameOutput() {
        ComputationGraphConfiguration conf = graph()
                .addLayer("online", conv(), "in")
                .addLayer("target", new TrainModeFrozenLayer(conv()), "in")
                .addVertex("both", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "online", "target")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "both")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.getLayer("target").setParams(g.getLayer("online").params().dup());
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, 6, 6);
        Map<String, INDArray> acts = g.feedForward(new INDArray[]{x}, true, false);
        assertTrue(acts.get("online").equalsWithEps(acts.get("target"), 1e-12));

        NativeConvolutionLayerImpl online = (NativeConvolutionLayerImpl) g.getLayer("online");
        NativeConvolutionLayerImpl target = (NativeConvolutionLayerImpl)
                ((TrainModeFrozenLayerImpl) g.getLayer("target")).getInsideLayer();
        assertTrue(online.keepsColumns());
        assertFalse(target.keepsColumns());

        INDArray before = g.getLayer("online").params().dup();
        INDArray targetBefore = g.getLayer("target").params().dup();
        g.fit(new org.nd4j.linalg.dataset.DataSet(x, Nd4j.ones(DataType.DOUBLE, 3, 2)));
        assertFalse(before.equalsWithEps(g.getLayer("online").params(), 1e-12), "the trainable copy trains");
        assertEquals(targetBefore, g.getLayer("target").params(), "the frozen copy does not");
        assertFalse(target.keepsColumns());
    }

    /**
     * When the batch size changes (the last, smaller batch of an epoch), the columns kept for the previous size are
     * freed at once rather than at some later garbage collection, and training goes on with the new ones.
     */
    @Test
    void columnsOfAnotherBatchSizeAreFreedWhenReplaced() {
        ComputationGraphConfiguration conf = graph()
                .addLayer("conv", conv(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "conv")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        NativeConvolutionLayerImpl conv = (NativeConvolutionLayerImpl) g.getLayer("conv");
        Nd4j.getRandom().setSeed(3);
        g.fit(new org.nd4j.linalg.dataset.DataSet(Nd4j.randn(DataType.DOUBLE, 3, 2, 6, 6), Nd4j.ones(DataType.DOUBLE, 3, 2)));
        INDArray three = conv.keptColumns();
        g.fit(new org.nd4j.linalg.dataset.DataSet(Nd4j.randn(DataType.DOUBLE, 3, 2, 6, 6), Nd4j.ones(DataType.DOUBLE, 3, 2)));
        assertTrue(three == conv.keptColumns() && !three.wasClosed(), "the same batch size reuses the columns");
        INDArray before = g.params().dup();
        g.fit(new org.nd4j.linalg.dataset.DataSet(Nd4j.randn(DataType.DOUBLE, 2, 2, 6, 6), Nd4j.ones(DataType.DOUBLE, 2, 2)));
        assertTrue(three.wasClosed(), "the batch-3 columns are freed");
        assertEquals(2 * 3 * 3, conv.keptColumns().size(0));
        assertEquals(2 * 6 * 6, conv.keptColumns().size(1));
        assertFalse(before.equalsWithEps(g.params(), 1e-12), "training goes on");
    }
}
