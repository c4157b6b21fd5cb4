package io.github.dl4jssl.listeners.probe;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Probe: DL4J's vertex-level FrozenVertex wrapping a LayerVertex, as a target branch (MoCo / BYOL). */
class FrozenVertexProbeTest {
    @Test
    void frozenVertexAroundALayerVertexFailsAtInit() {
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder()
                .seed(12345).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER);
        ComputationGraphConfiguration.GraphBuilder gb = nb.graphBuilder().addInputs("in")
                .addLayer("online_dense1", new DenseLayer.Builder().nIn(4).nOut(3).activation(new CountingActivation("online")).build(), "in")
                .addLayer("online_bn", new BatchNormalization.Builder().nOut(3).build(), "online_dense1")
                .addLayer("online_dense2", new DenseLayer.Builder().nIn(3).nOut(2).activation(Activation.IDENTITY).build(), "online_bn")
                .addVertex("target_dense1", new FrozenVertex(new LayerVertex(nb.clone().layer(new DenseLayer.Builder().nIn(4).nOut(3).activation(new CountingActivation("target")).build()).build(), null)), "in")
                .addVertex("target_bn", new FrozenVertex(new LayerVertex(nb.clone().layer(new BatchNormalization.Builder().nOut(3).build()).build(), null)), "target_dense1")
                .addVertex("target_dense2", new FrozenVertex(new LayerVertex(nb.clone().layer(new DenseLayer.Builder().nIn(3).nOut(2).activation(Activation.IDENTITY).build()).build(), null)), "target_bn")
                .addVertex("diff", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "online_dense2", "target_dense2")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "diff")
                .setOutputs("loss");
        ComputationGraph g = new ComputationGraph(gb.build());
        // M2.1: a LayerVertex wrapped in FrozenVertex is not usable: init fails (NPE in ComputationGraph.init)
        assertThrows(NullPointerException.class, g::init);
    }
}
