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
}
