package io.github.dl4jssl.listeners;

import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code TrainModeFrozenLayer} moved from ssl-listeners to ssl-layers: a configuration JSON written under the old
 * class name (as in the model files of version 0.1.0) still loads, into a layer of the new class that a graph runs
 * with the target behaviour (the wrapped layer's runtime class is the train-mode frozen one).
 */
class TrainModeFrozenLayerOldNameTest {

    private static final String OLD = "io.github.dl4jssl.listeners.TrainModeFrozenLayer";
    private static final String NEW = "io.github.dl4jssl.layers.TrainModeFrozenLayer";

    @Test
    void jsonWithTheOldClassNameLoadsAsATrainModeFrozenLayer() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .addLayer("target_fc", new TrainModeFrozenLayer(new DenseLayer.Builder().nIn(3).nOut(2).build()), "in")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "target_fc")
                .setOutputs("out").build();
        String json = conf.toJson();
        assertTrue(json.contains(NEW), "the new class writes its own name");
        String old = json.replace(NEW, OLD);
        assertNotEquals(json, old);

        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(old);
        Object layer = ((LayerVertex) restored.getVertices().get("target_fc")).getLayerConf().getLayer();
        assertEquals(OLD, layer.getClass().getName());
        assertInstanceOf(TrainModeFrozenLayer.class, layer);
        ComputationGraph graph = new ComputationGraph(restored);
        graph.init();
        assertInstanceOf(io.github.dl4jssl.layers.impl.TrainModeFrozenLayerImpl.class, graph.getLayer("target_fc"));
    }
}
