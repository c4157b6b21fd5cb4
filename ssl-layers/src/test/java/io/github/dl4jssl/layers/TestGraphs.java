package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tests' way from a graph configuration to a graph ready to run, and back through JSON. */
public final class TestGraphs {

    private TestGraphs() {
    }

    /** A {@link ComputationGraph} of {@code conf}, initialised (parameters drawn from the configuration's seed). */
    public static ComputationGraph initialized(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /**
     * The configuration of layer {@code name} after a JSON round trip of {@code conf}, which must give back an equal
     * configuration.
     */
    @SuppressWarnings("unchecked")
    public static <T extends Layer> T jsonRoundTripped(ComputationGraphConfiguration conf, String name) {
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        return (T) ((LayerVertex) back.getVertices().get(name)).getLayerConf().getLayer();
    }

    /**
     * The input gradient (epsilon) of layer {@code name} of each graph for input {@code x} and one random output
     * gradient, shared by all graphs: a training-mode forward pass and a backward pass of that layer alone.
     */
    public static org.nd4j.linalg.api.ndarray.INDArray[] inputGradients(String name, org.nd4j.linalg.api.ndarray.INDArray x,
                                                                        ComputationGraph... graphs) {
        org.nd4j.linalg.api.ndarray.INDArray[] eps = new org.nd4j.linalg.api.ndarray.INDArray[graphs.length];
        org.nd4j.linalg.api.ndarray.INDArray dOut = null;
        for (int i = 0; i < graphs.length; i++) {
            org.deeplearning4j.nn.api.Layer layer = graphs[i].getLayer(name);
            org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
            layer.setInput(x, mgr);
            org.nd4j.linalg.api.ndarray.INDArray out = layer.activate(true, mgr);
            dOut = dOut != null ? dOut : org.nd4j.linalg.factory.Nd4j.randn(x.dataType(), out.shape());
            eps[i] = layer.backpropGradient(dOut, mgr).getSecond();
        }
        return eps;
    }
}
