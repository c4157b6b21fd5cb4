package io.github.dl4jssl.samples.bench;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward and backward time of every vertex of a training graph, one vertex at a time, like the per-operator
 * table of PyTorch's {@code torch.profiler}: where a step's time goes, layer by layer.
 *
 * <p>How: one training-mode forward pass of the whole graph gives every vertex its real input. Then each vertex in
 * turn gets those inputs (a copy), runs {@code doForward(training)} and, with a fixed random epsilon of its output's
 * shape (output layers: the batch's labels instead), {@code doBackward}, inside one reused ND4J workspace as in
 * {@code graph.fit} (without one, DL4J allocates every array afresh and the times measure the allocator: 5-10x
 * slower in a probe). The median over the timed repetitions is reported. Each vertex is timed alone, so the rows do
 * not add up exactly to a step: the step also spends time between vertices (workspace bookkeeping, the updater) and
 * some layers reuse work across passes (the native convolution's columns). Training-mode forward passes update
 * batch-norm running statistics as a training step would.</p>
 */
public final class LayerTimes {

    /**
     * One vertex: its name, its runtime class, the shape of its (first) input and of its output, and the median
     * milliseconds of its forward and backward pass.
     */
    public record Row(String vertex, String type, long[] inputShape, long[] outputShape, double forwardMs,
                      double backwardMs) {
        /** Forward plus backward. */
        public double totalMs() { return forwardMs + backwardMs; }
    }

    private static final String WORKSPACE = "LAYER_TIMES_WS";

    private LayerTimes() {
    }

    /**
     * @param graph      an initialised graph (its gradient views are created if missing)
     * @param features   the network inputs of one batch
     * @param labels     the network labels of that batch (null when none)
     * @param warmup     untimed repetitions per vertex first (at least 0)
     * @param iterations timed repetitions per vertex (at least 1)
     * @param outputs    if not null, receives each vertex's output of the last repetition (a detached copy), for checks
     */
    public static List<Row> measure(ComputationGraph graph, INDArray[] features, INDArray[] labels, int warmup,
                                    int iterations, Map<String, INDArray> outputs) {
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and iterations >= 1, got " + warmup + " and " + iterations);
        }
        if (graph.getFlattenedGradients() == null) {
            graph.initGradientsView();
        }
        Map<String, INDArray> activations = graph.feedForward(features, true, false);
        Map<String, List<String>> vertexInputs = graph.getConfiguration().getVertexInputs();
        List<String> networkOutputs = graph.getConfiguration().getNetworkOutputs();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace(WORKSPACE, workspaceConfiguration()).build();
        List<Row> rows = new ArrayList<>();
        for (int index : graph.topologicalSortOrder()) {
            GraphVertex v = graph.getVertices()[index];
            if (v.isInputVertex()) {
                continue;
            }
            String name = v.getVertexName();
            List<String> inputNames = vertexInputs.get(name);
            INDArray[] inputs = new INDArray[inputNames.size()];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = activations.get(inputNames.get(i));
            }
            int outputIndex = networkOutputs.indexOf(name);
            INDArray label = outputIndex >= 0 && labels != null ? labels[outputIndex] : null;
            rows.add(timeVertex(v, inputs, label, outputIndex >= 0, mgr, warmup, iterations, outputs));
        }
        graph.clearLayersStates();
        return rows;
    }

    private static Row timeVertex(GraphVertex v, INDArray[] inputs, INDArray label, boolean isOutput,
                                  LayerWorkspaceMgr mgr, int warmup, int iterations, Map<String, INDArray> outputs) {
        double[] forward = new double[iterations];
        double[] backward = new double[iterations];
        INDArray epsilon = null;
        long[] outShape = null;
        Layer layer = v.hasLayer() ? v.getLayer() : null;
        for (int r = 0; r < warmup + iterations; r++) {
            try (MemoryWorkspace ws = mgr.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
                for (int i = 0; i < inputs.length; i++) {
                    v.setInput(i, inputs[i].dup(), mgr);
                }
                if (layer instanceof IOutputLayer && label != null) {
                    ((IOutputLayer) layer).setLabels(label);
                }
                long t0 = System.nanoTime();
                INDArray out = v.doForward(true, mgr);
                long t1 = System.nanoTime();
                if (outShape == null) {
                    outShape = out.shape();
                }
                if (!isOutput) {
                    if (epsilon == null) {
                        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                            Nd4j.getRandom().setSeed(1);
                            epsilon = Nd4j.randn(out.dataType(), out.shape());
                        }
                    }
                    v.setEpsilon(epsilon);
                }
                long t2 = System.nanoTime();
                v.doBackward(false, mgr);
                long t3 = System.nanoTime();
                if (r >= warmup) {
                    forward[r - warmup] = (t1 - t0) / 1e6;
                    backward[r - warmup] = (t3 - t2) / 1e6;
                }
                if (outputs != null && r == warmup + iterations - 1) {
                    outputs.put(v.getVertexName(), out.detach());
                }
            }
            v.clear();
        }
        return new Row(v.getVertexName(), typeName(v), inputs[0].shape(), outShape, median(forward), median(backward));
    }

    /** The runtime class of the vertex's layer (a frozen layer with the class it wraps), or of the vertex. */
    static String typeName(GraphVertex v) {
        if (!v.hasLayer()) {
            return v.getClass().getSimpleName();
        }
        Layer layer = v.getLayer();
        if (layer instanceof org.deeplearning4j.nn.layers.FrozenLayer) {
            return "frozen " + ((org.deeplearning4j.nn.layers.FrozenLayer) layer).getInsideLayer().getClass().getSimpleName();
        }
        return layer.getClass().getSimpleName();
    }

    private static WorkspaceConfiguration workspaceConfiguration() {
        return WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.05)
                .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
                .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The rows as a table with each vertex's share of the summed time. */
    public static String table(List<Row> rows) {
        double f = 0;
        double b = 0;
        for (Row r : rows) {
            f += r.forwardMs();
            b += r.backwardMs();
        }
        double total = f + b;
        StringBuilder sb = new StringBuilder(String.format("%-28s %-38s %-22s %10s %10s %7s%n",
                "vertex", "type", "input", "fwd ms", "bwd ms", "share"));
        for (Row r : rows) {
            sb.append(String.format("%-28s %-38s %-22s %10.1f %10.1f %6.1f%%%n", r.vertex(), r.type(),
                    Arrays.toString(r.inputShape()), r.forwardMs(), r.backwardMs(), 100 * r.totalMs() / total));
        }
        sb.append(String.format("%-28s %-38s %-22s %10.1f %10.1f %6.1f%%%n", "sum", "", "", f, b, 100.0));
        return sb.toString();
    }

    /** Summed forward and backward milliseconds per runtime class, largest first. */
    public static Map<String, double[]> byType(List<Row> rows) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (Row r : rows) {
            double[] s = sums.computeIfAbsent(r.type(), k -> new double[2]);
            s[0] += r.forwardMs();
            s[1] += r.backwardMs();
        }
        List<Map.Entry<String, double[]>> entries = new ArrayList<>(sums.entrySet());
        entries.sort((x, y) -> Double.compare(y.getValue()[0] + y.getValue()[1], x.getValue()[0] + x.getValue()[1]));
        Map<String, double[]> sorted = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : entries) {
            sorted.put(e.getKey(), e.getValue());
        }
        return sorted;
    }
}
