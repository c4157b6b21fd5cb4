package io.github.dl4jssl.listeners.monitor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Activations of named vertices of a {@link ComputationGraph} in inference mode
 * (so BatchNorm uses running statistics and dropout is off),
 * computed in minibatches and concatenated along the example dimension.
 *
 * <p>Only the requested vertices and their ancestors are computed, by DL4J's {@code output} on a copy of them
 * ({@link AncestorForwardPass#subGraph}, several times faster) or else vertex by vertex
 * ({@link AncestorForwardPass#activations}), so layers after them (a loss layer that needs a stacked batch of view
 * pairs, say) never see the probe: any number of examples works.
 *
 * <p>Inputs: one array per graph input; if the graph has several inputs (e.g. two augmented views)
 * and a single array is given, it is fed to every input. Outputs of rank 2 are returned as is;
 * rank 4 ({@code [n, c, h, w]}, a convolutional map) is global-average-pooled to {@code [n, c]};
 * any other rank is reshaped to {@code [n, -1]}. Runs outside any workspace, so it may be called
 * from listener callbacks during {@code fit}. (Named {@code FeatureExtractor} until 0.1.0, like the class of {@code listeners.eval}
 * that extracts a standalone backbone's features; renamed so that no two public classes share a simple name.)
 */
public final class VertexActivations {

    private VertexActivations() {
    }

    /**
     * @param graph     the model
     * @param inputs    one array per graph input, or a single array for all inputs
     * @param batchSize examples per forward pass
     * @param vertices  vertex names
     * @return vertex -> {@code [n, d]} features (detached, the network's data type)
     */
    public static Map<String, INDArray> extract(ComputationGraph graph, INDArray[] inputs, int batchSize,
                                                String... vertices) {
        int numInputs = graph.getNumInputArrays();
        INDArray[] in = inputs;
        if (inputs.length == 1 && numInputs > 1) {
            in = new INDArray[numInputs];
            Arrays.fill(in, inputs[0]);
        } else if (inputs.length != numInputs) {
            throw new IllegalArgumentException("Graph has " + numInputs + " inputs, got " + inputs.length + " arrays");
        }
        for (String v : vertices) {
            if (graph.getVertex(v) == null) {
                throw new IllegalArgumentException("No vertex '" + v + "' in the graph");
            }
        }
        long n = in[0].size(0);
        Map<String, List<INDArray>> parts = new LinkedHashMap<>();
        for (String v : vertices) {
            parts.put(v, new ArrayList<>());
        }
        List<ComputationGraph> subs = new ArrayList<>();
        for (String v : vertices) {
            subs.add(AncestorForwardPass.subGraph(graph, v));
        }
        boolean viaSubGraphs = !subs.contains(null);
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (long start = 0; start < n; start += batchSize) {
                long end = Math.min(n, start + batchSize);
                INDArray[] batch = new INDArray[in.length];
                for (int i = 0; i < in.length; i++) {
                    batch[i] = rows(in[i], start, end);
                }
                Map<String, INDArray> acts = null;
                if (viaSubGraphs) {
                    try {
                        acts = outputs(subs, batch, vertices);
                    } catch (RuntimeException e) { // e.g. DL4J 1.0.0-M2.1 fails on a batch-norm layer as the output
                        viaSubGraphs = false;
                    }
                }
                if (acts == null) {
                    acts = AncestorForwardPass.activations(graph, batch, vertices);
                }
                for (String v : vertices) {
                    INDArray a = acts.get(v);
                    if (a == null) {
                        throw new IllegalStateException("feedForward returned no activation for vertex '" + v + "'");
                    }
                    parts.get(v).add(toMatrix(a).detach());
                }
            }
            Map<String, INDArray> out = new LinkedHashMap<>();
            for (String v : vertices) {
                List<INDArray> p = parts.get(v);
                out.put(v, p.size() == 1 ? p.get(0) : Nd4j.concat(0, p.toArray(new INDArray[0])));
            }
            return out;
        }
    }

    private static Map<String, INDArray> outputs(List<ComputationGraph> subs, INDArray[] batch, String... vertices) {
        Map<String, INDArray> acts = new LinkedHashMap<>();
        for (int i = 0; i < vertices.length; i++) {
            acts.put(vertices[i], subs.get(i).outputSingle(false, batch));
        }
        return acts;
    }

    private static INDArray rows(INDArray x, long start, long end) {
        if (start == 0 && end == x.size(0)) {
            return x;
        }
        INDArrayIndex[] idx = new INDArrayIndex[x.rank()];
        idx[0] = NDArrayIndex.interval(start, end);
        for (int d = 1; d < idx.length; d++) {
            idx[d] = NDArrayIndex.all();
        }
        return x.get(idx).dup();
    }

    private static INDArray toMatrix(INDArray a) {
        if (a.rank() == 2) {
            return a.dup();
        }
        if (a.rank() == 4) {
            return a.mean(2, 3);
        }
        return a.reshape(a.size(0), -1).dup();
    }
}
