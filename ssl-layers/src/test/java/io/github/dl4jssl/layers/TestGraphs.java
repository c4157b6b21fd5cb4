package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** The tests' way from a graph configuration to a graph ready to run. */
public final class TestGraphs {

    private TestGraphs() {
    }

    /** A {@link ComputationGraph} of {@code conf}, initialised (parameters drawn from the configuration's seed). */
    public static ComputationGraph initialized(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }
}
