package io.github.dl4jssl.samples;

import io.github.dl4jssl.layers.vit.PatchEmbedding;
import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
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
 * {@code collapse.png} (cumulative explained variance before and after training).
 */
final class RunMonitors {

    private final GradientMagnitudeMonitor gradients;
    private final CollapseMonitor collapse;
    private final String featureVertex;

    RunMonitors(ComputationGraph graph, SslMethod method, INDArray probe, Path outDir) {
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
        // warn on near-complete collapse only: a randomly initialised SmallCnn already gives AUC ~0.99 (d = 128)
        this.collapse = CollapseMonitor.builder().probe(probe).vertices(featureVertex).everyEpochs(1)
                .collapseThreshold(0.999)
                .outputCsv(outDir.resolve("collapse.csv")).build();
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

    List<TrainingListener> listeners() {
        return List.of(gradients, collapse);
    }

    /** The collapse metrics before training (epoch 0). */
    void measureBeforeTraining(ComputationGraph graph) {
        collapse.measure(graph, 0, 0);
    }

    List<CollapseMonitor.Record> collapseHistory() {
        return collapse.getHistory(featureVertex);
    }

    /** Each block's gradient-norm fluctuation (std / mean) over the last window. */
    Map<String, Double> finalFluctuation() {
        List<GradientMagnitudeMonitor.Measurement> history = gradients.getHistory();
        return history.isEmpty() ? Map.of() : new LinkedHashMap<>(history.get(history.size() - 1).blockFluctuation());
    }

    void writePlots(Path outDir) throws IOException {
        List<GradientMagnitudeMonitor.Measurement> history = gradients.getHistory();
        if (!history.isEmpty()) {
            List<Integer> x = history.stream().map(GradientMagnitudeMonitor.Measurement::iteration).collect(Collectors.toList());
            Map<String, List<? extends Number>> norms = new LinkedHashMap<>();
            Map<String, List<? extends Number>> fluctuation = new LinkedHashMap<>();
            for (String block : gradients.getBlocks().keySet()) {
                norms.put(block, history.stream().map(m -> m.blockNorms().getOrDefault(block, 0.0)).collect(Collectors.toList()));
                fluctuation.put(block, history.stream().map(m -> finite(m.blockFluctuation().get(block))).collect(Collectors.toList()));
            }
            Plots.line(outDir.resolve("gradients.png"), "Gradient L2 norm per block", "iteration", "||grad||", x, norms);
            Plots.line(outDir.resolve("fluctuation.png"), "Gradient-norm fluctuation (std / mean over the window)",
                    "iteration", "std / mean", x, fluctuation);
        }
        List<CollapseMonitor.Record> records = collapseHistory();
        if (!records.isEmpty()) {
            Map<String, List<? extends Number>> curves = new LinkedHashMap<>();
            CollapseMetrics.Result first = records.get(0).metrics();
            CollapseMetrics.Result last = records.get(records.size() - 1).metrics();
            List<Integer> k = IntStream.rangeClosed(1, first.dimension()).boxed().collect(Collectors.toList());
            curves.put(String.format("before training (AUC %.3f, RankMe %.1f)", first.auc(), first.rankMe()), toList(first.cumulativeVariance()));
            curves.put(String.format("epoch %d (AUC %.3f, RankMe %.1f)", records.get(records.size() - 1).epoch(), last.auc(), last.rankMe()),
                    toList(last.cumulativeVariance()));
            Plots.line(outDir.resolve("collapse.png"), "Cumulative explained variance of the backbone features",
                    "number of singular directions", "explained variance", k, curves);
        }
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
}
