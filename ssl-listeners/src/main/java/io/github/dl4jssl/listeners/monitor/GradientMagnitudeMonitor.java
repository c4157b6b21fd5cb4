package io.github.dl4jssl.listeners.monitor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-layer and per-block parameter-gradient magnitudes during training, with fluctuation and spike
 * detection over a sliding window.
 *
 * <p>Motivation: Pham et al. 2022 ("On the Pros and Cons of Momentum Encoder in Self-Supervised
 * Visual Representation Learning") track gradient magnitudes per block; Chen, Xie, He 2021 ("An
 * Empirical Study of Training Self-Supervised Vision Transformers", MoCo v3) found training
 * instability shows first as spikes in the gradient magnitude of the first layer (and watch the
 * last layer too).
 *
 * <p><b>Which callback sees the raw gradient (DL4J 1.0.0-M2.1).</b> {@code BaseOptimizer
 * .gradientAndScore} runs {@code model.computeGradientAndScore} (which ends with
 * {@code onBackwardPass}), then calls {@code onGradientCalculation}, and only then
 * {@code updateGradientAccordingToParams}, where the updater (gradient normalisation, learning
 * rate, momentum/Adam, weight decay, L1/L2) rewrites the gradient view in place. So both
 * {@code onBackwardPass} and {@code onGradientCalculation} see the raw gradient {@code dL/dθ} of
 * the data loss; {@code iterationDone} sees the update that was applied (e.g. {@code lr * g} for
 * SGD). This monitor reads it in {@link #onGradientCalculation}; the test
 * {@code GradientMagnitudeMonitorTest} checks all three callbacks.
 *
 * <p><b>Minibatch scaling.</b> DL4J's raw gradient is that of the <em>summed</em> loss over the
 * minibatch; with {@code miniBatch(true)} (the default) the updater divides it by the minibatch
 * size, while {@code score()} is the mean loss. By default ({@link Builder#normalizeByMinibatch})
 * the monitor divides by the minibatch size, so it reports {@code ||d score / dθ||}, the gradient
 * the updater actually uses, comparable across batch sizes (checked against finite differences of
 * {@code score} in the test).
 *
 * <p><b>Measurements.</b> Every {@code n} iterations (iteration-based only, see
 * {@link MonitorFrequency}) from {@code model.gradient().gradientForVariable()} (keys
 * {@code layerName_paramKey}): the L2 norm of each layer's parameter gradient
 * {@code sqrt(sum over its params of ||g||_F^2)}, and per block the norm {@code sqrt(sum over its
 * layers of layerNorm^2)}. A block is a named group of layers selected by layer-name prefixes; a
 * layer belongs to the block with the longest matching prefix (layers matching none are only
 * reported per layer). Param keys in {@link Builder#excludeParamKeys} are skipped; the default
 * skips the BatchNormalization running statistics {@code mean}, {@code var}, {@code log10stdev},
 * whose "gradient" entries are DL4J's running-average updates, not gradients. Frozen layers have no
 * gradient entries. Each block norm enters a {@link SlidingWindowStats} (window {@code W}): fluctuation
 * {@code = std/mean} over the window; and a {@link SpikeDetector} (robust z-score of the log norm against the
 * median and MAD of a longer window, minimum history, hysteresis; see there for the rule and its constants).
 *
 * <p><b>Spikes.</b> A spike is flagged once, at the iteration where it starts ({@code spike = true} in the CSV and in
 * {@link Measurement#spikes()}); {@link #spikeIterations()} keeps them all for the whole run. Instead of a warning
 * per spike the monitor logs one INFO line per epoch ({@link #onEpochEnd}) with the spikes per block, e.g.
 * {@code Gradient spikes in epoch 2 (iterations 47-93): first layer 1 (at 61), last layer 0, backbone 0,
 * projector 0} (epochs counted from 1: DL4J's epoch count + 1, as the {@code train} command prints them); each
 * spike's details (norm, running median, robust z) are logged at DEBUG.
 *
 * <p><b>Gradient w.r.t. a block's output activation.</b> DL4J keeps each vertex's incoming error
 * ({@code GraphVertex.getEpsilon()}, {@code dL/d(output)} summed over consumers) until just after
 * {@code onBackwardPass} (then {@code GraphVertex.clear()} drops it), but in the per-vertex
 * {@code ACTIVATION_GRAD} workspaces, which are already released by then when workspaces are on.
 * So: (a) with {@link Builder#outputGradientVertices} the monitor reads these errors in
 * {@link #onBackwardPass} at no extra cost <em>only if</em> the graph has
 * {@code trainingWorkspaceMode(WorkspaceMode.NONE)} <em>and</em>
 * {@code inferenceWorkspaceMode(WorkspaceMode.NONE)} (in M2.1 {@code calcBackpropGradients} takes
 * its workspace manager from the inference mode); otherwise it logs one warning and skips them
 * (ND4J's workspace validation confirms the arrays are leaked pointers then); (b) {@link #blockOutputGradientNorms(ComputationGraph, MultiDataSet, String...)} works for
 * any graph by running its own forward/backward pass on a clone with workspaces off (training and inference mode), e.g. every
 * few epochs on a fixed batch.
 *
 * <p>CSV columns: {@code iteration,epoch,kind,name,norm,window_mean,fluctuation,spike,robust_z} with
 * {@code kind} = {@code block}, {@code layer} (only with {@link Builder#logLayers}) or
 * {@code output_grad} (vertex output-error norms, only with {@link Builder#outputGradientVertices});
 * {@code robust_z} is the spike detector's z-score of the block norm (empty before its minimum history).
 */
public class GradientMagnitudeMonitor extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(GradientMagnitudeMonitor.class);

    /** Default excluded param keys: BatchNormalization running statistics. */
    public static final Set<String> DEFAULT_EXCLUDED_PARAM_KEYS = Set.of("mean", "var", "log10stdev");

    /**
     * One measurement.
     *
     * @param iteration        DL4J iteration count of the step whose gradient this is
     * @param epoch            DL4J epoch count
     * @param layerNorms       layer name -> gradient L2 norm
     * @param blockNorms       block name -> gradient L2 norm (blocks with no parameters omitted)
     * @param blockFluctuation block name -> std/mean over the window after this measurement
     * @param spikes           blocks in which a spike starts at this measurement (see {@link SpikeDetector})
     * @param outputGradientNorms vertex -> {@code ||dL/d(vertex output)||} (empty unless
     *                         configured and the graph trains without workspaces)
     */
    public record Measurement(int iteration, int epoch, Map<String, Double> layerNorms,
                              Map<String, Double> blockNorms, Map<String, Double> blockFluctuation,
                              Set<String> spikes, Map<String, Double> outputGradientNorms) {
    }

    private final MonitorFrequency frequency;
    private final Map<String, List<String>> blocks;
    private final Set<String> excluded;
    private final int window;
    private final SpikeDetector.Config spikeConfig;
    private final CsvLog csv;
    private final boolean logLayers;
    private final int maxHistory;
    private final boolean normalizeByMinibatch;
    private final List<String> outputGradientVertices;
    private Map<String, Double> pendingOutputGradients = Map.of();
    private boolean warnedWorkspaces;

    private final Map<String, SlidingWindowStats> stats = new LinkedHashMap<>();
    private final Map<String, SpikeDetector> detectors = new LinkedHashMap<>();
    private final Map<String, List<Integer>> spikeIterations = new LinkedHashMap<>();
    private final List<Measurement> history = new ArrayList<>();
    /** Blocks measured and the spikes they started since the last epoch summary; first/last iteration then. */
    private final Map<String, List<Integer>> spikesSinceSummary = new LinkedHashMap<>();
    private int firstIterationSinceSummary = -1;
    private int lastIterationSinceSummary = -1;
    private int lastEpoch;

    private GradientMagnitudeMonitor(Builder b) {
        this.frequency = b.frequency();
        Map<String, List<String>> bl = new LinkedHashMap<>();
        b.blocks.forEach((k, v) -> bl.put(k, List.copyOf(v)));
        this.blocks = Collections.unmodifiableMap(bl);
        this.excluded = Set.copyOf(b.excluded);
        this.window = b.window;
        this.spikeConfig = b.spikeConfig;
        this.csv = b.csv() == null ? null : new CsvLog(b.csv(),
                List.of("iteration", "epoch", "kind", "name", "norm", "window_mean", "fluctuation", "spike", "robust_z"));
        this.logLayers = b.logLayers;
        this.maxHistory = b.maxHistory;
        this.normalizeByMinibatch = b.normalizeByMinibatch;
        this.outputGradientVertices = List.copyOf(b.outputGradientVertices);
        for (String block : blocks.keySet()) {
            stats.put(block, new SlidingWindowStats(window));
            detectors.put(block, spikeConfig.newDetector());
            spikeIterations.put(block, new ArrayList<>());
        }
    }

    /** @return a new builder */
    public static Builder builder() { return new Builder(); }

    @Override
    public void onBackwardPass(Model model) {
        if (outputGradientVertices.isEmpty() || !(model instanceof ComputationGraph g)
                || !frequency.dueAtIteration(MonitorFrequency.iterationCount(model))) {
            return;
        }
        if (g.getConfiguration().getTrainingWorkspaceMode() != WorkspaceMode.NONE
                || g.getConfiguration().getInferenceWorkspaceMode() != WorkspaceMode.NONE) {
            if (!warnedWorkspaces) {
                warnedWorkspaces = true;
                log.warn("Output-gradient norms of {} need training and inference workspace mode NONE (vertex errors live in "
                        + "released workspaces otherwise); skipping them. Use blockOutputGradientNorms(...) instead.",
                        outputGradientVertices);
            }
            return;
        }
        double scale = normalizeByMinibatch ? minibatchScale(model) : 1.0;
        Map<String, Double> out = new LinkedHashMap<>();
        for (String v : outputGradientVertices) {
            GraphVertex gv = g.getVertex(v);
            INDArray eps = gv == null ? null : gv.getEpsilon();
            out.put(v, eps == null ? Double.NaN : scale * eps.norm2Number().doubleValue());
        }
        pendingOutputGradients = out;
    }

    @Override
    public void onGradientCalculation(Model model) {
        int iteration = MonitorFrequency.iterationCount(model);
        if (!frequency.dueAtIteration(iteration)) {
            return;
        }
        Gradient g = model.gradient();
        if (g == null) {
            return;
        }
        double scale = normalizeByMinibatch ? minibatchScale(model) : 1.0;
        record(iteration, MonitorFrequency.epochCount(model), layerNorms(model, g, excluded, scale));
    }

    /**
     * Adds one measurement from per-layer norms (the listener's path after reading the gradient;
     * public so that norms from elsewhere, e.g. a custom training loop, can be fed in).
     *
     * @param iteration  iteration
     * @param epoch      epoch
     * @param layerNorms layer name -> norm
     * @return the measurement
     */
    public synchronized Measurement record(int iteration, int epoch, Map<String, Double> layerNorms) {
        Map<String, Double> outGrad = pendingOutputGradients;
        pendingOutputGradients = Map.of();
        Map<String, Double> blockSq = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : layerNorms.entrySet()) {
            String block = blockOf(e.getKey());
            if (block != null) {
                blockSq.merge(block, e.getValue() * e.getValue(), Double::sum);
            }
        }
        Map<String, Double> blockNorms = new LinkedHashMap<>();
        Map<String, Double> fluct = new LinkedHashMap<>();
        Set<String> spikes = new LinkedHashSet<>();
        List<List<?>> rows = new ArrayList<>();
        for (String block : blocks.keySet()) {
            Double sq = blockSq.get(block);
            if (sq == null) {
                continue;
            }
            double norm = Math.sqrt(sq);
            SlidingWindowStats.Observation o = stats.get(block).add(norm);
            SpikeDetector.Decision d = detectors.get(block).add(norm);
            blockNorms.put(block, norm);
            fluct.put(block, o.fluctuation());
            List<Integer> sinceSummary = spikesSinceSummary.computeIfAbsent(block, k -> new ArrayList<>());
            if (d.spike()) {
                spikes.add(block);
                spikeIterations.get(block).add(iteration);
                sinceSummary.add(iteration);
                log.debug("Gradient spike in block '{}' at iteration {}: norm {}, {} x the running median {} (robust z {})",
                        block, iteration, fmt(norm), fmt(norm / d.median()), fmt(d.median()), fmt(d.z()));
            }
            rows.add(List.of(iteration, epoch, "block", block, norm, o.mean(), o.fluctuation(), d.spike(),
                    Double.isNaN(d.z()) ? "" : d.z()));
        }
        if (firstIterationSinceSummary < 0) {
            firstIterationSinceSummary = iteration;
        }
        lastIterationSinceSummary = iteration;
        lastEpoch = epoch;
        if (logLayers) {
            for (Map.Entry<String, Double> e : layerNorms.entrySet()) {
                rows.add(List.of(iteration, epoch, "layer", e.getKey(), e.getValue(), "", "", "", ""));
            }
        }
        for (Map.Entry<String, Double> e : outGrad.entrySet()) {
            rows.add(List.of(iteration, epoch, "output_grad", e.getKey(), e.getValue(), "", "", "", ""));
        }
        Measurement m = new Measurement(iteration, epoch, Collections.unmodifiableMap(new LinkedHashMap<>(layerNorms)),
                Collections.unmodifiableMap(blockNorms), Collections.unmodifiableMap(fluct),
                Collections.unmodifiableSet(spikes), Collections.unmodifiableMap(new LinkedHashMap<>(outGrad)));
        history.add(m);
        if (maxHistory > 0 && history.size() > maxHistory) {
            history.remove(0);
        }
        if (log.isDebugEnabled()) {
            log.debug("Gradient norms at iteration {}: {}", iteration, blockNorms);
        }
        if (csv != null) {
            csv.append(rows);
        }
        return m;
    }

    /** Logs the epoch's spike summary ({@link #epochSummary()}) at INFO. */
    @Override
    public void onEpochEnd(Model model) {
        String summary = epochSummary();
        if (summary != null) {
            log.info(summary);
        }
    }

    /**
     * The spikes per block since the previous summary (in practice: the epoch that just ended), as one line, e.g.
     * {@code Gradient spikes in epoch 2 (iterations 47-93): first layer 1 (at 61), backbone 0}, where the epoch is
     * that of the last measurement counted from 1; then starts counting afresh. {@link #onEpochEnd} logs it.
     *
     * @return the line, or null when nothing was measured since the previous summary
     */
    public synchronized String epochSummary() {
        if (firstIterationSinceSummary < 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder("Gradient spikes in epoch ").append(lastEpoch + 1).append(" (iterations ")
                .append(firstIterationSinceSummary).append('-').append(lastIterationSinceSummary).append("): ");
        String sep = "";
        for (Map.Entry<String, List<Integer>> e : spikesSinceSummary.entrySet()) {
            List<Integer> its = e.getValue();
            sb.append(sep).append(e.getKey()).append(' ').append(its.size());
            if (!its.isEmpty()) {
                sb.append(its.size() == 1 ? " (at " : " (at iterations ");
                sb.append(its.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))).append(')');
            }
            sep = ", ";
        }
        spikesSinceSummary.clear();
        firstIterationSinceSummary = -1;
        lastIterationSinceSummary = -1;
        return sb.toString();
    }

    /**
     * @return block -> iterations at which a spike started, oldest first, over the whole run (not limited by
     *         {@link Builder#maxHistory}); a copy
     */
    public synchronized Map<String, List<Integer>> spikeIterations() {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        spikeIterations.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return out;
    }

    /**
     * @param block a block name
     * @return its spike detector, or null for an unknown block
     */
    public synchronized SpikeDetector spikeDetector(String block) { return detectors.get(block); }

    /**
     * @param layer a layer name
     * @return the block with the longest prefix of {@code layer}, or null
     */
    public String blockOf(String layer) {
        String best = null;
        int bestLen = -1;
        for (Map.Entry<String, List<String>> e : blocks.entrySet()) {
            for (String p : e.getValue()) {
                if (layer.startsWith(p) && p.length() > bestLen) {
                    best = e.getKey();
                    bestLen = p.length();
                }
            }
        }
        return best;
    }

    /** @return the measurements so far, oldest first (a copy) */
    public synchronized List<Measurement> getHistory() { return List.copyOf(history); }

    /**
     * Puts back the measurements of an interrupted run (e.g. from a checkpoint), replacing this monitor's own:
     * the history, and the sliding windows refilled with their block norms, so that the following measurements
     * get the fluctuation and spikes of an uninterrupted run (the spike detectors replay the norms, so
     * {@link #spikeIterations()} covers the whole run). Writes nothing to the CSV, which already holds
     * those rows, and logs no spikes again.
     *
     * @param measurements the earlier measurements, oldest first
     */
    public synchronized void restore(List<Measurement> measurements) {
        history.clear();
        spikesSinceSummary.clear();
        for (String block : blocks.keySet()) {
            stats.put(block, new SlidingWindowStats(window));
            detectors.put(block, spikeConfig.newDetector());
            spikeIterations.put(block, new ArrayList<>());
        }
        for (Measurement m : measurements) {
            for (String block : blocks.keySet()) {
                Double norm = m.blockNorms().get(block);
                if (norm != null) {
                    stats.get(block).add(norm);
                    if (detectors.get(block).add(norm).spike()) {
                        spikeIterations.get(block).add(m.iteration());
                    }
                }
            }
            history.add(m);
        }
        while (maxHistory > 0 && history.size() > maxHistory) {
            history.remove(0);
        }
    }

    /**
     * @param block a block name
     * @return its window statistics, or null for an unknown block
     */
    public synchronized SlidingWindowStats windowStats(String block) { return stats.get(block); }

    /** @return block name -> prefixes */
    public Map<String, List<String>> getBlocks() { return blocks; }

    /** @return the CSV file, or null */
    public Path getCsvPath() { return csv == null ? null : csv.path(); }

    /**
     * Per-layer L2 norms of a gradient.
     *
     * @param model            the model (for layer names; a ComputationGraph, a MultiLayerNetwork or
     *                         null, then the layer name is the key up to its last '_')
     * @param gradient         e.g. {@code model.gradient()}
     * @param excludeParamKeys param keys to skip
     * @param scale            multiplies every norm (e.g. {@link #minibatchScale(Model)})
     * @return layer name -> {@code scale * sqrt(sum over params of ||g||_F^2)}, in gradient order
     */
    public static Map<String, Double> layerNorms(Model model, Gradient gradient, Set<String> excludeParamKeys,
                                                 double scale) {
        List<String> names = layerNames(model);
        Map<String, Double> sq = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : gradient.gradientForVariable().entrySet()) {
            String key = e.getKey();
            String layer = null;
            for (String n : names) {
                if (key.startsWith(n + "_") && (layer == null || n.length() > layer.length())) {
                    layer = n;
                }
            }
            if (layer == null) {
                int i = key.lastIndexOf('_');
                layer = i > 0 ? key.substring(0, i) : key;
            }
            String param = key.length() > layer.length() ? key.substring(layer.length() + 1) : key;
            if (excludeParamKeys.contains(param) || e.getValue() == null) {
                continue;
            }
            if (e.getValue().isAttached() && !e.getValue().isInScope()) {
                // not part of the model's flattened gradient: an entry left in a workspace DL4J has already
                // closed (seen for BatchNormalization with locked gamma/beta), which the updater does not use
                log.debug("Skipping gradient entry {}: its workspace is closed", key);
                continue;
            }
            double n2 = e.getValue().norm2Number().doubleValue();
            sq.merge(layer, n2 * n2, Double::sum);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sq.forEach((k, v) -> out.put(k, scale * Math.sqrt(v)));
        return out;
    }

    /**
     * @param model a model whose inputs are set (during fit)
     * @return {@code 1 / minibatch size} if the model's configuration has {@code miniBatch = true}
     *         (then the updater divides the raw, summed-loss gradient by it), else 1
     */
    public static double minibatchScale(Model model) {
        if (model.conf() != null && !model.conf().isMiniBatch()) {
            return 1.0;
        }
        int b = model.batchSize();
        return b > 0 ? 1.0 / b : 1.0;
    }

    private static List<String> layerNames(Model model) {
        List<String> names = new ArrayList<>();
        if (model instanceof ComputationGraph g) {
            for (GraphVertex v : g.getVertices()) {
                if (v.hasLayer()) {
                    names.add(v.getVertexName());
                }
            }
        } else if (model instanceof MultiLayerNetwork m) {
            for (int i = 0; i < m.getnLayers(); i++) {
                names.add(String.valueOf(i));
            }
        }
        return names;
    }

    /**
     * The L2 (Frobenius, over the whole minibatch) norm of the gradient of the loss with respect
     * to the output activations of the named vertices, {@code ||dL/da_v||}, where {@code L} is
     * DL4J's score (minibatch-averaged loss, without regularisation; the vertex errors DL4J
     * computes are for the summed loss and are divided here by the minibatch size when the
     * configuration has {@code miniBatch = true}).
     *
     * <p>Runs one forward and backward pass in training mode (dropout, BatchNorm batch statistics)
     * on a {@code clone()} of the graph whose training and inference workspace modes are
     * {@link WorkspaceMode#NONE},
     * and reads {@code GraphVertex.getEpsilon()} of each vertex in {@code onBackwardPass} (the error
     * summed over all consumers of the vertex's output). The given graph (parameters, updater state,
     * gradient, score, inputs, listeners) is not touched, so this may be called from any listener
     * callback; the cost is one copy of the parameters and updater state plus one training step's
     * forward/backward. A vertex no error reaches (e.g. behind a frozen layer that stops backprop,
     * or the output vertex itself) gets NaN.
     *
     * @param graph    the graph
     * @param data     features, labels and masks for one batch
     * @param vertices vertex names
     * @return vertex -> norm (in the given order)
     */
    public static Map<String, Double> blockOutputGradientNorms(ComputationGraph graph, MultiDataSet data,
                                                               String... vertices) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(data, "data");
        for (String v : vertices) {
            if (graph.getVertex(v) == null) {
                throw new IllegalArgumentException("No vertex '" + v + "' in the graph");
            }
        }
        ComputationGraph copy = graph.clone();
        // calcBackpropGradients picks its workspace manager from the INFERENCE mode (M2.1)
        copy.getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
        copy.getConfiguration().setInferenceWorkspaceMode(WorkspaceMode.NONE);
        Map<String, Double> out = new LinkedHashMap<>();
        copy.setListeners(new BaseTrainingListener() {
            @Override
            public void onBackwardPass(Model model) {
                double scale = minibatchScale(copy);
                for (String v : vertices) {
                    INDArray eps = copy.getVertex(v).getEpsilon();
                    out.put(v, eps == null ? Double.NaN : scale * eps.norm2Number().doubleValue());
                }
            }
        });
        copy.setInputs(data.getFeatures());
        copy.setLabels(data.getLabels());
        copy.setLayerMaskArrays(data.getFeaturesMaskArrays(), data.getLabelsMaskArrays());
        copy.computeGradientAndScore();
        if (out.isEmpty()) {
            throw new IllegalStateException("onBackwardPass was not called by computeGradientAndScore");
        }
        return out;
    }

    private static String fmt(double v) {
        return String.format("%.4g", v);
    }

    @Override
    public String toString() {
        return "GradientMagnitudeMonitor[" + frequency + ", blocks=" + blocks + ", window=" + window
                + ", spikes=" + spikeConfig + "]";
    }

    /** Builder. */
    public static final class Builder extends MonitorBuilder<Builder> {
        private final Map<String, List<String>> blocks = new LinkedHashMap<>();
        private Set<String> excluded = DEFAULT_EXCLUDED_PARAM_KEYS;
        private int window = SlidingWindowStats.DEFAULT_WINDOW;
        private SpikeDetector.Config spikeConfig = SpikeDetector.Config.DEFAULT;
        private boolean logLayers = true;
        private int maxHistory = 0;
        private boolean normalizeByMinibatch = true;
        private final List<String> outputGradientVertices = new ArrayList<>();

        private Builder() {
            super(MonitorFrequency.everyIterations(1));
        }

        /**
         * Also record {@code ||dL/d(output)||} of these vertices, read in {@code onBackwardPass};
         * only works when the graph's training and inference workspace modes are
         * {@code WorkspaceMode.NONE} (see class doc).
         *
         * @param vertices vertex names
         * @return this
         */
        public Builder outputGradientVertices(String... vertices) {
            outputGradientVertices.addAll(Arrays.asList(vertices));
            return this;
        }

        /**
         * @param b divide by the minibatch size (when {@code miniBatch = true}) to report the
         *          gradient of the mean loss (default true); false reports DL4J's raw summed-loss
         *          gradient
         * @return this
         */
        public Builder normalizeByMinibatch(boolean b) { this.normalizeByMinibatch = b; return this; }

        /**
         * @param f an iteration-based frequency (gradients exist per iteration)
         * @return this
         */
        @Override
        public Builder frequency(MonitorFrequency f) {
            if (f.unit() != MonitorFrequency.Unit.ITERATION) {
                throw new IllegalArgumentException("GradientMagnitudeMonitor measures per iteration; got " + f);
            }
            return super.frequency(f);
        }

        /**
         * Adds (or extends) a block.
         *
         * @param name     block name
         * @param prefixes layer-name prefixes
         * @return this
         */
        public Builder block(String name, String... prefixes) {
            Objects.requireNonNull(name, "name");
            if (prefixes.length == 0) {
                throw new IllegalArgumentException("Block '" + name + "' needs at least one prefix");
            }
            blocks.computeIfAbsent(name, k -> new ArrayList<>()).addAll(Arrays.asList(prefixes));
            return this;
        }

        /**
         * One block per prefix, named by the prefix (e.g. "backbone_conv1", "projector_").
         *
         * @param prefixes prefixes
         * @return this
         */
        public Builder blockPrefixes(String... prefixes) {
            for (String p : prefixes) {
                block(p, p);
            }
            return this;
        }

        /**
         * @param keys param keys to skip (replaces the default {@link #DEFAULT_EXCLUDED_PARAM_KEYS})
         * @return this
         */
        public Builder excludeParamKeys(String... keys) {
            this.excluded = new TreeSet<>(Arrays.asList(keys));
            return this;
        }

        /**
         * @param w length of the sliding window of the fluctuation std / mean (default 50); the spike detector has
         *          its own window, see {@link #spikeDetection}
         * @return this
         */
        public Builder window(int w) { this.window = w; return this; }

        /**
         * @param config the spike detector's constants, one detector per block (default
         *               {@link SpikeDetector.Config#DEFAULT})
         * @return this
         */
        public Builder spikeDetection(SpikeDetector.Config config) {
            this.spikeConfig = Objects.requireNonNull(config, "spike detection config");
            return this;
        }

        /**
         * @param b also write one CSV row per layer (default true)
         * @return this
         */
        public Builder logLayers(boolean b) { this.logLayers = b; return this; }

        /**
         * @param n keep only the last n measurements in memory (0 = all, the default)
         * @return this
         */
        public Builder maxHistory(int n) { this.maxHistory = n; return this; }

        /** @return the monitor */
        public GradientMagnitudeMonitor build() {
            new SlidingWindowStats(window); // validates
            return new GradientMagnitudeMonitor(this);
        }
    }
}
