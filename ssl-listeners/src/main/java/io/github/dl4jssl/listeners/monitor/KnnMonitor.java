package io.github.dl4jssl.listeners.monitor;

import io.github.dl4jssl.listeners.eval.KnnClassifier;
import io.github.dl4jssl.listeners.eval.Labels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Weighted kNN top-1 accuracy of a vertex's features during training (Wu et al. 2018; the online
 * monitor of MoCo, DINO, solo-learn): every {@code n} epochs (or iterations) extracts features of a
 * labelled bank and a labelled held-out set from a named vertex in inference mode
 * ({@link VertexActivations}, in minibatches) and classifies the held-out set with
 * {@link KnnClassifier} (cosine, default {@code k = 200}, {@code T = 0.1}).
 *
 * <p>History in memory ({@link #getHistory()}); optional CSV with columns
 * {@code iteration,epoch,vertex,k,temperature,bank,queries,top1}. Only {@link ComputationGraph}.
 */
public class KnnMonitor extends PeriodicMonitor {

    private static final Logger log = LoggerFactory.getLogger(KnnMonitor.class);

    /**
     * One measurement.
     *
     * @param iteration iteration count
     * @param epoch     epoch count
     * @param top1      top-1 accuracy in [0, 1]
     */
    public record Record(int iteration, int epoch, double top1) {
    }

    private final String vertex;
    private final INDArray[] bankInputs;
    private final int[] bankLabels;
    private final INDArray[] queryInputs;
    private final int[] queryLabels;
    private final int numClasses;
    private final int k;
    private final double temperature;
    private final int batchSize;
    private final CsvLog csv;
    private final List<Record> history = new ArrayList<>();

    private KnnMonitor(Builder b) {
        super(b.frequency());
        this.vertex = b.vertex;
        this.bankInputs = b.bankInputs;
        this.bankLabels = b.bankLabels;
        this.queryInputs = b.queryInputs;
        this.queryLabels = b.queryLabels;
        int maxLabel = -1;
        for (int l : bankLabels) {
            maxLabel = Math.max(maxLabel, l);
        }
        for (int l : queryLabels) {
            maxLabel = Math.max(maxLabel, l);
        }
        this.numClasses = b.numClasses > 0 ? b.numClasses : maxLabel + 1;
        this.k = b.k;
        this.temperature = b.temperature;
        this.batchSize = b.batchSize;
        this.csv = b.csv() == null ? null : new CsvLog(b.csv(),
                List.of("iteration", "epoch", "vertex", "k", "temperature", "bank", "queries", "top1"));
    }

    /** @return a new builder */
    public static Builder builder() { return new Builder(); }

    @Override
    void measureAt(ComputationGraph graph, int iteration, int epoch) {
        measure(graph, iteration, epoch);
    }

    /**
     * Measures now.
     *
     * @param graph     model
     * @param iteration iteration to record
     * @param epoch     epoch to record
     * @return top-1 accuracy
     */
    public synchronized double measure(ComputationGraph graph, int iteration, int epoch) {
        long t0 = System.nanoTime();
        INDArray bank = VertexActivations.extract(graph, bankInputs, batchSize, vertex).get(vertex);
        INDArray query = VertexActivations.extract(graph, queryInputs, batchSize, vertex).get(vertex);
        double acc;
        try (KnnClassifier knn = new KnnClassifier(bank, bankLabels, numClasses, k, temperature,
                KnnClassifier.DEFAULT_CHUNK_SIZE)) {
            acc = knn.evaluate(query, queryLabels).top1();
        }
        history.add(new Record(iteration, epoch, acc));
        log.info("kNN top-1 of '{}' at iteration {} epoch {}: {} (k = {}, T = {}, bank {}, queries {}; {} ms)",
                vertex, iteration, epoch, String.format("%.4f", acc), k, temperature, bankLabels.length,
                queryLabels.length, (System.nanoTime() - t0) / 1_000_000);
        if (csv != null) {
            csv.append(List.of(List.of(iteration, epoch, vertex, k, temperature, bankLabels.length,
                    queryLabels.length, acc)));
        }
        return acc;
    }

    /**
     * Puts back the records of an interrupted run (e.g. from a checkpoint), replacing this monitor's own.
     * Writes nothing to the CSV, which already holds them.
     *
     * @param records the earlier records, oldest first
     */
    public synchronized void restore(List<Record> records) {
        history.clear();
        history.addAll(records);
    }

    /** @return records, oldest first (a copy) */
    public synchronized List<Record> getHistory() { return List.copyOf(history); }

    /** @return the CSV file, or null */
    public Path getCsvPath() { return csv == null ? null : csv.path(); }

    /** Builder. */
    public static final class Builder extends MonitorBuilder<Builder> {
        private String vertex;
        private INDArray[] bankInputs;
        private int[] bankLabels;
        private INDArray[] queryInputs;
        private int[] queryLabels;
        private int numClasses = -1;
        private int k = KnnClassifier.DEFAULT_K;
        private double temperature = KnnClassifier.DEFAULT_TEMPERATURE;
        private int batchSize = 256;

        private Builder() {
            super(MonitorFrequency.everyEpochs(1));
        }

        /**
         * @param name the vertex whose output are the features (e.g. the backbone output)
         * @return this
         */
        public Builder vertex(String name) { this.vertex = name; return this; }

        /**
         * @param inputs the labelled bank's inputs (one array fed to every graph input)
         * @param labels int labels
         * @return this
         */
        public Builder bank(INDArray inputs, int[] labels) {
            this.bankInputs = new INDArray[] {inputs};
            this.bankLabels = labels.clone();
            return this;
        }

        /**
         * @param inputs the bank's inputs
         * @param labels int labels {@code [n]} or one-hot {@code [n, C]}
         * @return this
         */
        public Builder bank(INDArray inputs, INDArray labels) { return bank(inputs, Labels.toIndices(labels)); }

        /**
         * @param inputs the held-out set's inputs
         * @param labels int labels
         * @return this
         */
        public Builder query(INDArray inputs, int[] labels) {
            this.queryInputs = new INDArray[] {inputs};
            this.queryLabels = labels.clone();
            return this;
        }

        /**
         * @param inputs the held-out set's inputs
         * @param labels int labels {@code [n]} or one-hot {@code [n, C]}
         * @return this
         */
        public Builder query(INDArray inputs, INDArray labels) { return query(inputs, Labels.toIndices(labels)); }

        /**
         * @param c number of classes (default: max label + 1)
         * @return this
         */
        public Builder numClasses(int c) { this.numClasses = c; return this; }

        /**
         * @param k neighbours (default 200)
         * @return this
         */
        public Builder k(int k) { this.k = k; return this; }

        /**
         * @param t temperature (default 0.1)
         * @return this
         */
        public Builder temperature(double t) { this.temperature = t; return this; }

        /**
         * @param b examples per forward pass (default 256)
         * @return this
         */
        public Builder batchSize(int b) { this.batchSize = b; return this; }

        /** @return the monitor */
        public KnnMonitor build() {
            Objects.requireNonNull(vertex, "vertex");
            if (bankInputs == null || queryInputs == null) {
                throw new IllegalStateException("bank(...) and query(...) are required");
            }
            if (bankInputs[0].size(0) != bankLabels.length || queryInputs[0].size(0) != queryLabels.length) {
                throw new IllegalArgumentException("inputs and labels differ in length");
            }
            if (k < 1 || !(temperature > 0) || batchSize < 1) {
                throw new IllegalArgumentException("k >= 1, temperature > 0, batchSize >= 1 required");
            }
            return new KnnMonitor(this);
        }
    }
}
