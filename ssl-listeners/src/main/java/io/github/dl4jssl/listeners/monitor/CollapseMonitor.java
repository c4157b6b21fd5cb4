package io.github.dl4jssl.listeners.monitor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks dimensional collapse of embeddings during training: every {@code n} epochs (or
 * iterations) runs the model in inference mode on a fixed probe set, reads the activations of named
 * vertices (e.g. the backbone output and the projector output, see {@link VertexActivations}) and
 * computes {@link CollapseMetrics}: the collapse AUC of Li, Efros, Pathak 2022 ("Understanding Collapse
 * in Non-Contrastive Siamese Representation Learning", ECCV 2022, Equation 2, on the singular values), the
 * variance AUC (the same area on the squared singular values, PCA's explained variance) and the RankMe
 * effective rank of Garrido et al. 2023.
 *
 * <p>When a vertex's collapse AUC rises to or above the threshold (default 0.9; 1 = all variance in one
 * direction, about 0.5 = isotropic) a WARN is logged once (and an INFO when it falls back below).
 * Every measurement is kept in memory ({@link #getHistory()}) and, with an output path, appended
 * to a CSV with columns {@code iteration,epoch,vertex,n,d,normalized,collapseAuc,varianceAuc,rankme,s1..sK}
 * ({@code K} = {@link Builder#topSingularValues}, empty cells when {@code d < K}).
 *
 * <p>Cost per measurement: one inference pass over the probe set plus an SVD of an {@code [n, d]}
 * matrix per vertex. Only {@link ComputationGraph} is supported.
 */
public class CollapseMonitor extends PeriodicMonitor {

    private static final Logger log = LoggerFactory.getLogger(CollapseMonitor.class);

    /**
     * One measurement of one vertex.
     *
     * @param iteration DL4J iteration count when measured
     * @param epoch     DL4J epoch count (the epoch that just ended, for epoch-based monitors)
     * @param vertex    vertex name
     * @param metrics   the metrics
     */
    public record Record(int iteration, int epoch, String vertex, CollapseMetrics.Result metrics) {
    }

    private final INDArray[] probe;
    private final List<String> vertices;
    private final int batchSize;
    private final double threshold;
    private final int topK;
    private final boolean centre;
    private final boolean normalize;
    private final CollapseMetrics.Solver solver;
    private final CsvLog csv;

    private final List<Record> history = new ArrayList<>();
    private final Map<String, Boolean> collapsed = new HashMap<>();

    private CollapseMonitor(Builder b) {
        super(b.frequency());
        this.probe = b.probe;
        this.vertices = List.copyOf(b.vertices);
        this.batchSize = b.batchSize;
        this.threshold = b.threshold;
        this.topK = b.topK;
        this.centre = b.centre;
        this.normalize = b.normalize;
        this.solver = b.solver;
        List<String> cols = new ArrayList<>(List.of("iteration", "epoch", "vertex", "n", "d", "normalized",
                "collapseAuc", "varianceAuc", "rankme"));
        for (int i = 1; i <= topK; i++) {
            cols.add("s" + i);
        }
        this.csv = b.csv() == null ? null : new CsvLog(b.csv(), cols);
    }

    /** @return a new builder */
    public static Builder builder() { return new Builder(); }

    @Override
    void measureAt(ComputationGraph graph, int iteration, int epoch) {
        measure(graph, iteration, epoch);
    }

    /**
     * Measures now (also usable outside training, e.g. before the first epoch).
     *
     * @param graph     the model
     * @param iteration iteration to record
     * @param epoch     epoch to record
     * @return vertex -> metrics
     */
    public synchronized Map<String, CollapseMetrics.Result> measure(ComputationGraph graph, int iteration, int epoch) {
        Map<String, INDArray> feats = VertexActivations.extract(graph, probe, batchSize, vertices.toArray(new String[0]));
        Map<String, CollapseMetrics.Result> out = new LinkedHashMap<>();
        List<List<?>> rows = new ArrayList<>();
        for (String v : vertices) {
            CollapseMetrics.Result m = CollapseMetrics.compute(feats.get(v), normalize, centre, solver);
            out.put(v, m);
            history.add(new Record(iteration, epoch, v, m));
            boolean now = m.collapseAuc() >= threshold;
            Boolean before = collapsed.put(v, now);
            if (now && !Boolean.TRUE.equals(before)) {
                log.warn("Dimensional collapse at vertex '{}' (iteration {}, epoch {}): collapse AUC {} >= {} (RankMe {} of d = {})",
                        v, iteration, epoch, fmt(m.collapseAuc()), threshold, fmt(m.rankMe()), m.dimension());
            } else if (!now && Boolean.TRUE.equals(before)) {
                log.info("Vertex '{}' no longer collapsed (iteration {}): collapse AUC {} < {}", v, iteration,
                        fmt(m.collapseAuc()), threshold);
            }
            log.info("Collapse metrics '{}' at iteration {} epoch {}: collapse AUC {}, variance AUC {}, RankMe {} (d = {})",
                    v, iteration, epoch, fmt(m.collapseAuc()), fmt(m.varianceAuc()), fmt(m.rankMe()), m.dimension());
            List<Object> row = new ArrayList<>(List.of(iteration, epoch, v, m.samples(), m.dimension(), normalize,
                    m.collapseAuc(), m.varianceAuc(), m.rankMe()));
            double[] s = m.singularValues();
            for (int i = 0; i < topK; i++) {
                row.add(i < s.length ? (Object) s[i] : "");
            }
            rows.add(row);
        }
        if (csv != null) {
            csv.append(rows);
        }
        return out;
    }

    /** @return all records, oldest first (a copy) */
    public synchronized List<Record> getHistory() { return List.copyOf(history); }

    /**
     * @param vertex a vertex name
     * @return its records, oldest first
     */
    public synchronized List<Record> getHistory(String vertex) {
        return history.stream().filter(r -> r.vertex().equals(vertex)).toList();
    }

    /**
     * Puts back the records of an interrupted run (e.g. from a checkpoint), replacing this monitor's own, and
     * each vertex's collapsed state after its last record. Writes nothing to the CSV, which already holds them.
     *
     * @param records the earlier records, oldest first
     */
    public synchronized void restore(List<Record> records) {
        history.clear();
        collapsed.clear();
        for (Record r : records) {
            history.add(r);
            collapsed.put(r.vertex(), r.metrics().collapseAuc() >= threshold);
        }
    }

    /**
     * @param vertex a vertex name
     * @return whether its last collapse AUC was at or above the threshold
     */
    public synchronized boolean isCollapsed(String vertex) { return Boolean.TRUE.equals(collapsed.get(vertex)); }

    /** @return the monitored vertices */
    public List<String> getVertices() { return vertices; }

    /** @return the CSV file, or null */
    public Path getCsvPath() { return csv == null ? null : csv.path(); }

    private static String fmt(double v) {
        return String.format("%.4f", v);
    }

    /** Builder. */
    public static final class Builder extends MonitorBuilder<Builder> {
        private INDArray[] probe;
        private final List<String> vertices = new ArrayList<>();
        private int batchSize = 256;
        private double threshold = 0.9;
        private int topK = 5;
        private boolean centre = true;
        private boolean normalize;
        private CollapseMetrics.Solver solver = CollapseMetrics.Solver.EIGEN;

        private Builder() {
            super(MonitorFrequency.everyEpochs(1));
        }

        /**
         * @param inputs the fixed probe set: one array per graph input, or one for all inputs
         * @return this
         */
        public Builder probe(INDArray... inputs) { this.probe = inputs.clone(); return this; }

        /**
         * @param names vertices whose outputs are analysed
         * @return this
         */
        public Builder vertices(String... names) {
            vertices.addAll(Arrays.asList(names));
            return this;
        }

        /**
         * @param b probe examples per forward pass (default 256)
         * @return this
         */
        public Builder batchSize(int b) { this.batchSize = b; return this; }

        /**
         * @param t collapse AUC (Equation 2) at or above which a vertex counts as collapsed (default 0.9)
         * @return this
         */
        public Builder collapseThreshold(double t) { this.threshold = t; return this; }

        /**
         * @param k leading singular values written to the CSV (default 5)
         * @return this
         */
        public Builder topSingularValues(int k) { this.topK = k; return this; }

        /**
         * @param c centre the embeddings before the SVD (default true)
         * @return this
         */
        public Builder centre(boolean c) { this.centre = c; return this; }

        /**
         * @param n L2-normalise each embedding before centring, as {@code test_collapse.py --normalize} of Li,
         *          Efros, Pathak (default false, as in their code)
         * @return this
         */
        public Builder normalize(boolean n) { this.normalize = n; return this; }

        /**
         * @param s singular value solver (default EIGEN)
         * @return this
         */
        public Builder solver(CollapseMetrics.Solver s) { this.solver = Objects.requireNonNull(s); return this; }

        /** @return the monitor */
        public CollapseMonitor build() {
            if (probe == null || probe.length == 0) {
                throw new IllegalStateException("probe(...) inputs are required");
            }
            if (vertices.isEmpty()) {
                throw new IllegalStateException("vertices(...) are required");
            }
            if (batchSize < 1 || topK < 0) {
                throw new IllegalArgumentException("batchSize >= 1 and topSingularValues >= 0 required");
            }
            return new CollapseMonitor(this);
        }
    }
}
