package io.github.dl4jssl.train;

import io.github.dl4jssl.layers.vit.PatchEmbedding;
import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import io.github.dl4jssl.listeners.monitor.KnnMonitor;
import io.github.dl4jssl.ui.MonitorStatsPublisher;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The research monitors of a {@code train} run: per-block gradient magnitude and fluctuation every
 * iteration of the first and the last trained backbone layer (MoCo v3 watches both), the backbone and the heads
 * (Pham et al. 2022) and the dimensional-collapse
 * metrics of the backbone features on a fixed probe set every epoch (Li, Efros, Pathak 2022). Writes
 * {@code gradients.csv}, {@code collapse.csv} and the plots {@code gradients.png}, {@code fluctuation.png},
 * {@code collapse.png} (cumulative explained variance before and after training); and the weighted kNN monitor
 * (MoCo v3, InstDisc) on the backbone after every epoch, which writes {@code knn.csv}. With
 * {@link #publishTo} the measurements also go to a DL4J {@code StatsStorageRouter} for the training UI.
 */
public final class RunMonitors {
    /**
     * Sizes of the per-epoch kNN monitor's memory bank and test set (first images of the evaluation sets). Chosen with
     * {@code bench --monitors} so that all monitors together slow training by less than 10% (a 5,000 + 1,000 kNN alone
     * cost about 13% of a default epoch with DL4J's layers; with the native layers, 2,000 + 500 and a 1,000-image
     * collapse probe still cost 10.7%).
     */
    public static final int MONITOR_BANK = 1_500;
    public static final int MONITOR_TEST = 500;
    /** Test images on which the collapse monitor measures the backbone features' spectrum (n &gt; d = 128 for RankMe). */
    public static final int COLLAPSE_PROBE = 500;
    /** Iterations per epoch of the default run (12,000 images, batch 128), the epoch length the monitor benchmark assumes. */
    public static final int DEFAULT_EPOCH_ITERATIONS = RunSpec.DEFAULT_TRAIN_IMAGES / 128;

    private final GradientMagnitudeMonitor gradients;
    private final CollapseMonitor collapse;
    private final KnnMonitor knn;
    private final String featureVertex;
    /** The projector's output vertex (the last {@code projector_} vertex), or null for a graph without one. */
    private final String projectorVertex;
    private MonitorStatsPublisher publisher;

    /**
     * @param probe     images of the collapse monitor
     * @param knnBank   labelled memory bank of the kNN monitor
     * @param knnQuery  labelled images the kNN monitor classifies
     * @param normalize the collapse monitor L2-normalises each embedding first (Li, Efros, Pathak's --normalize)
     */
    public RunMonitors(ComputationGraph graph, SslMethod method, INDArray probe, LabelledImages knnBank, LabelledImages knnQuery,
                boolean normalize, Path outDir) {
        GradientMagnitudeMonitor.Builder g = GradientMagnitudeMonitor.builder().everyIterations(1)
                .outputCsv(outDir.resolve("gradients.csv"));
        List<String> trained = trainedLayers(graph, SslMethod.BACKBONE_PREFIX);
        if (!trained.isEmpty()) {
            g.block("first layer", trained.get(0));
            g.block("last layer", trained.get(trained.size() - 1));
        }
        g.block("backbone", SslMethod.BACKBONE_PREFIX);
        for (String head : new String[]{SslMethod.PROJECTOR_PREFIX, SslMethod.PREDICTOR_PREFIX}) {
            if (firstParameterLayer(graph, head) != null) {
                g.block(head.substring(0, head.length() - 1), head);
            }
        }
        this.gradients = g.build();
        this.featureVertex = method.backboneOutput();
        // warn on near-complete collapse only (collapse AUC 1 = rank one)
        this.projectorVertex = lastVertex(graph, SslMethod.PROJECTOR_PREFIX);
        CollapseMonitor.Builder c = CollapseMonitor.builder().probe(probe).vertices(featureVertex);
        if (projectorVertex != null) {
            c.vertices(projectorVertex); // Li, Efros, Pathak 2022 measure the projector output too
        }
        this.collapse = c.everyEpochs(1).normalize(normalize)
                .collapseThreshold(0.999)
                .outputCsv(outDir.resolve("collapse.csv")).build();
        // measured on the backbone taken out of the graph after each epoch (same vertex names), see measureKnn
        this.knn = KnnMonitor.builder().vertex(featureVertex).bank(knnBank.features(), knnBank.labels())
                .query(knnQuery.features(), knnQuery.labels()).numClasses(knnBank.numClasses()).batchSize(512)
                .outputCsv(outDir.resolve("knn.csv")).build();
    }

    /**
     * Also sends every measurement to {@code router} (the training UI's storage).
     *
     * @param description what the UI page shows for this session
     */
    void publishTo(StatsStorageRouter router, String description) {
        publisher = new MonitorStatsPublisher(router, null, description, gradients, collapse, knn);
        publisher.publish();
    }

    /**
     * The kNN monitor's top-1 accuracy of {@code backbone} (a backbone graph with the training graph's vertex names).
     *
     * @param iteration the training graph's iteration count
     * @param epoch     epochs trained so far
     */
    public double measureKnn(ComputationGraph backbone, int iteration, int epoch) {
        double top1 = knn.measure(backbone, iteration, epoch);
        if (publisher != null) {
            publisher.publish();
        }
        return top1;
    }

    /** The last vertex in topological order whose name starts with {@code prefix}, or null. */
    private static String lastVertex(ComputationGraph graph, String prefix) {
        String last = null;
        for (String name : graph.getConfiguration().getTopologicalOrderStr()) {
            if (name.startsWith(prefix)) {
                last = name;
            }
        }
        return last;
    }

    /** The first layer in topological order whose name starts with {@code prefix} and that has parameters. */
    private static String firstParameterLayer(ComputationGraph graph, String prefix) {
        List<String> layers = trainedLayers(graph, prefix);
        return layers.isEmpty() ? null : layers.get(0);
    }

    /**
     * The layers in topological order whose names start with {@code prefix}, that have parameters and train: a
     * frozen ViT patch projection (no gradient by design) is left out, so "first layer" is the first one that learns.
     */
    private static List<String> trainedLayers(ComputationGraph graph, String prefix) {
        List<String> out = new ArrayList<>();
        for (String name : graph.getConfiguration().getTopologicalOrderStr()) {
            org.deeplearning4j.nn.api.Layer layer = graph.getLayer(name);
            if (name.startsWith(prefix) && layer != null && layer.numParams() > 0
                    && !(layer.conf().getLayer() instanceof PatchEmbedding p && p.isFrozen())) {
                out.add(name);
            }
        }
        return out;
    }

    /** The monitors' listeners, the publisher (if any) after them. */
    public List<TrainingListener> listeners() {
        return publisher == null ? List.of(gradients, collapse) : List.of(gradients, collapse, publisher);
    }

    /** The measurements so far and the CSV files' lengths, for a checkpoint. */
    MonitorState state() throws IOException {
        MonitorState state = new MonitorState();
        for (GradientMagnitudeMonitor.Measurement m : gradients.getHistory()) {
            state.gradients.add(new GradientMagnitudeMonitor.Measurement(m.iteration(), m.epoch(), Map.of(), m.blockNorms(),
                    m.blockFluctuation(), m.spikes(), m.outputGradientNorms()));
        }
        state.collapse.addAll(collapse.getHistory());
        state.knn.addAll(knn.getHistory());
        for (Path csv : csvFiles()) {
            state.csvBytes.put(csv.getFileName().toString(), Files.exists(csv) ? Files.size(csv) : 0L);
        }
        return state;
    }

    /**
     * Continues the monitors of the checkpoint {@code state}: its measurements go back into the monitors, and each
     * CSV file is cut to its length at the checkpoint (rows written after it, by the interrupted process, go).
     *
     * @throws IOException naming a CSV file shorter than at the checkpoint (damaged after it was written)
     */
    void restore(MonitorState state) throws IOException {
        gradients.restore(state.gradients);
        collapse.restore(state.collapse);
        knn.restore(state.knn);
        for (Path csv : csvFiles()) {
            long length = state.csvBytes.getOrDefault(csv.getFileName().toString(), 0L);
            long size = Files.exists(csv) ? Files.size(csv) : 0L;
            if (size < length) {
                throw new IOException(csv + " has " + size + " bytes but had " + length + " at the checkpoint: it was cut"
                        + " or replaced after the run was interrupted; restore it, or start the run again with --overwrite");
            }
            try (FileChannel channel = FileChannel.open(csv, StandardOpenOption.WRITE)) {
                channel.truncate(length);
            } catch (NoSuchFileException e) {
                // no file and no rows at the checkpoint: nothing to cut
            }
        }
    }

    private List<Path> csvFiles() {
        return List.of(gradients.getCsvPath(), collapse.getCsvPath(), knn.getCsvPath());
    }

    /** The collapse metrics before training (epoch 0). */
    public void measureBeforeTraining(ComputationGraph graph) {
        collapse.measure(graph, 0, 0);
        if (publisher != null) {
            publisher.publish();
        }
    }

    public List<CollapseMonitor.Record> collapseHistory() { return collapse.getHistory(featureVertex); }

    /** The projector output's collapse metrics, empty for a graph without a projector. */
    public List<CollapseMonitor.Record> projectorCollapseHistory() {
        return projectorVertex == null ? List.of() : collapse.getHistory(projectorVertex);
    }

    /** Each block's gradient-norm fluctuation (std / mean) over the last window. */
    Map<String, Double> finalFluctuation() {
        List<GradientMagnitudeMonitor.Measurement> history = gradients.getHistory();
        return history.isEmpty() ? Map.of() : new LinkedHashMap<>(history.get(history.size() - 1).blockFluctuation());
    }

    /** Block -> iterations at which the gradient monitor flagged the start of a spike, over the whole run. */
    Map<String, List<Integer>> gradientSpikes() {
        return gradients.spikeIterations();
    }

    void writePlots(Path outDir) throws IOException {
        List<GradientMagnitudeMonitor.Measurement> history = gradients.getHistory();
        if (!history.isEmpty()) {
            List<Integer> x = history.stream().map(GradientMagnitudeMonitor.Measurement::iteration).collect(Collectors.toList());
            Map<String, List<? extends Number>> norms = new LinkedHashMap<>();
            Map<String, List<? extends Number>> fluctuation = new LinkedHashMap<>();
            Map<String, List<Integer>> spikes = new LinkedHashMap<>();
            for (String block : gradients.getBlocks().keySet()) {
                norms.put(block, history.stream().map(m -> m.blockNorms().getOrDefault(block, 0.0)).collect(Collectors.toList()));
                fluctuation.put(block, history.stream().map(m -> finite(m.blockFluctuation().get(block))).collect(Collectors.toList()));
                spikes.put(block, IntStream.range(0, history.size()).filter(i -> history.get(i).spikes().contains(block))
                        .boxed().collect(Collectors.toList()));
            }
            Plots.line(outDir.resolve("gradients.png"), "Gradient L2 norm per block (triangles: spikes)", "iteration", "||grad||",
                    x, norms, spikes, "spike");
            Plots.line(outDir.resolve("fluctuation.png"), "Gradient-norm fluctuation (std / mean over the window)",
                    "iteration", "std / mean", x, fluctuation);
        }
        plotCollapse(collapseHistory(), "backbone features", outDir.resolve("collapse.png"));
        plotCollapse(projectorCollapseHistory(), "projector output", outDir.resolve("collapse-projector.png"));
    }

    private static void plotCollapse(List<CollapseMonitor.Record> records, String what, Path png) throws IOException {
        if (!records.isEmpty()) {
            Map<String, List<? extends Number>> curves = new LinkedHashMap<>();
            CollapseMetrics.Result first = records.get(0).metrics();
            CollapseMetrics.Result last = records.get(records.size() - 1).metrics();
            String label = "%s (collapse AUC %.3f, var. AUC %.3f, RankMe %.1f)";
            String lastName = "epoch " + records.get(records.size() - 1).epoch();
            curves.put(String.format(label, "before training", first.collapseAuc(), first.varianceAuc(), first.rankMe()),
                    curve(first.explainedVariance(), first.dimension()));
            curves.put(String.format(label, lastName, last.collapseAuc(), last.varianceAuc(), last.rankMe()),
                    curve(last.explainedVariance(), last.dimension()));
            curves.put(lastName + ", squared singular values", toList(last.cumulativeVariance()));
            List<Integer> k = IntStream.rangeClosed(1, first.dimension()).boxed().collect(Collectors.toList());
            Plots.line(png, "Explained variance (Eq. 2), " + what,
                    "number of singular directions", "explained variance", k, curves);
        }
    }

    /** Equation 2's curve (min(n, d) values) on the d-point axis: 1 after its end, where no variance is left. */
    private static List<Double> curve(double[] explained, int d) {
        List<Double> out = toList(explained);
        while (out.size() < d) {
            out.add(1.0);
        }
        return out;
    }

    private static double finite(Double v) {
        return v == null || !Double.isFinite(v) ? 0.0 : v;
    }

    private static List<Double> toList(double[] values) {
        List<Double> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(v);
        }
        return out;
    }

    /** Copies the monitors' results (collapse metrics per epoch and at the end, gradient fluctuation and spikes) into {@code report}. */
    void report(RunReport report, boolean collapseNormalized) {
        report.collapseMetric = RunReport.EQUATION_2;
        report.collapseNormalized = collapseNormalized;
        for (var record : collapseHistory()) {
            report.collapseAucPerEpoch.add(record.metrics().collapseAuc());
            report.varianceAucPerEpoch.add(record.metrics().varianceAuc());
            report.rankMePerEpoch.add(record.metrics().rankMe());
            report.collapseAuc = record.metrics().collapseAuc();
            report.varianceAuc = record.metrics().varianceAuc();
            report.rankMe = record.metrics().rankMe();
        }
        for (var record : projectorCollapseHistory()) {
            report.projectorCollapseAucPerEpoch.add(record.metrics().collapseAuc());
            report.projectorVarianceAucPerEpoch.add(record.metrics().varianceAuc());
            report.projectorRankMePerEpoch.add(record.metrics().rankMe());
        }
        report.gradientFluctuation = finalFluctuation();
        report.gradientSpikes = gradientSpikes();
    }
}
