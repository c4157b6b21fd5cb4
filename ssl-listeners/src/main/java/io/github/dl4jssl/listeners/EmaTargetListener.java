package io.github.dl4jssl.listeners;

import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Momentum (EMA) target network for DL4J: a {@link org.deeplearning4j.optimize.api.TrainingListener}
 * that, after every iteration of {@code ComputationGraph.fit}, moves each target layer towards its
 * online layer, {@code target = m * target + (1 - m) * online}, in place, for every entry of the
 * layer's param table. This is the momentum encoder of MoCo (He et al. 2020, "Momentum Contrast for
 * Unsupervised Visual Representation Learning") and the target network of BYOL (Grill et al. 2020,
 * "Bootstrap Your Own Latent").
 *
 * <p>One method is one {@code ComputationGraph} holding both branches; the target layers should be
 * wrapped in {@link TrainModeFrozenLayer} (or DL4J's {@code FrozenLayer}) so that the optimizer
 * never updates them and no backward pass is spent on them (see DESIGN-momentum.md).
 *
 * <p>BatchNormalization: DL4J keeps the running mean and variance in the param table, so they are
 * averaged too. With {@code useLogStd=true} (DL4J's default) the table holds {@code log10(std)}; an
 * EMA of the log would be a geometric mean of the standard deviations, so instead the variance is
 * averaged: {@code std_t^2 <- m * std_t^2 + (1 - m) * std_o^2} and stored back as
 * {@code log10(std_t)} (exact EMA of the variance; DL4J's epsilon, if inside std, passes through
 * because the weights sum to 1). This key costs two small per-channel temporaries; every other key
 * is updated with no allocation ({@code muli} then an in-place {@code Axpy} op).
 *
 * <p>Pairs come from {@link Builder#pair}, {@link Builder#prefixes} and {@link Builder#scope}
 * (their union). Layers without parameters are skipped. A missing layer, a target paired twice,
 * different param keys or shapes fail with an {@link IllegalStateException} naming the layers, at
 * {@link #validate(ComputationGraph)} or at the first iteration. Call
 * {@link #initTargetFromOnline(ComputationGraph)} before training so both branches start equal.
 *
 * <p>The momentum for iteration {@code k} is {@code schedule.momentum(k)} where {@code k} is DL4J's
 * iteration count passed to {@code iterationDone} (0 for the first step, and it survives a
 * {@code ModelSerializer} save/restore, so a resumed run continues the schedule).
 */
public class EmaTargetListener extends BaseTrainingListener implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** An (online layer, target layer) pair by name. */
    public record LayerPair(String online, String target) implements java.io.Serializable {
        @Override
        public String toString() { return online + " -> " + target; }
    }

    private static final double LN10 = Math.log(10.0);

    private final List<LayerPair> explicitPairs;
    private final List<String[]> prefixPairs;
    private final List<EmaScope> scopes;
    private final MomentumSchedule schedule;

    private transient ComputationGraph resolvedFor;
    private transient List<LayerPair> resolved;
    private volatile double currentMomentum = Double.NaN;

    private EmaTargetListener(Builder b) {
        this.explicitPairs = List.copyOf(b.pairs);
        this.prefixPairs = List.copyOf(b.prefixPairs);
        this.scopes = List.copyOf(b.scopes);
        this.schedule = b.schedule;
    }

    /** @return a new builder */
    public static Builder builder() { return new Builder(); }

    /** @return the momentum schedule */
    public MomentumSchedule getSchedule() { return schedule; }

    /** @return the momentum used by the last EMA step, NaN before the first one */
    public double getCurrentMomentum() { return currentMomentum; }

    /**
     * Resolves and checks the pairs against a graph.
     *
     * @param graph the graph holding both branches
     * @return the parameterised pairs, in graph (topological) order of the online layer
     * @throws IllegalStateException with a message naming the culprit if a layer is missing, a
     *                               target is paired twice, or param keys/shapes differ
     */
    public List<LayerPair> validate(ComputationGraph graph) {
        Objects.requireNonNull(graph, "graph");
        Map<String, LayerPair> byTarget = new LinkedHashMap<>();
        List<String> names = layerNames(graph);
        for (Selection s : selections()) {
            boolean any = false;
            for (String n : names) {
                if (!s.selects().test(n)) {
                    continue;
                }
                LayerPair p = new LayerPair(n, s.target().apply(n));
                GraphVertex target = graph.getVertex(p.target());
                if (target == null || !target.hasLayer()) {
                    if (!s.explicit() && numParams(graph, n) == 0) {
                        continue; // a parameter-free online layer needs no copy
                    }
                    throw new IllegalStateException("EmaTargetListener: " + s.what() + ": online layer '" + n + "' has no target layer '"
                            + p.target() + "' (" + (target == null ? "it does not exist" : "it is a vertex without a layer")
                            + " in the graph); layers: " + names);
                }
                any = true;
                add(byTarget, p);
            }
            if (!any) {
                throw new IllegalStateException("EmaTargetListener: " + s.what() + " selected no layer; layers: " + names);
            }
        }

        List<LayerPair> out = new ArrayList<>();
        for (LayerPair p : byTarget.values()) {
            Layer o = graph.getLayer(p.online());
            Layer t = graph.getLayer(p.target());
            Map<String, INDArray> op = o.paramTable();
            Map<String, INDArray> tpt = t.paramTable();
            if (o.numParams() == 0 && t.numParams() == 0) {
                continue; // no parameters: nothing to average
            }
            if (!op.keySet().equals(tpt.keySet())) {
                throw new IllegalStateException("EmaTargetListener: pair " + p + " has different parameters: online "
                        + op.keySet() + " vs target " + tpt.keySet());
            }
            for (String k : op.keySet()) {
                INDArray a = op.get(k);
                INDArray b = tpt.get(k);
                if (!Arrays.equals(a.shape(), b.shape())) {
                    throw new IllegalStateException("EmaTargetListener: pair " + p + ", parameter '" + k + "' has shape "
                            + Arrays.toString(a.shape()) + " online but " + Arrays.toString(b.shape()) + " in the target");
                }
                if (a.dataType() != b.dataType()) {
                    throw new IllegalStateException("EmaTargetListener: pair " + p + ", parameter '" + k + "' has data type "
                            + a.dataType() + " online but " + b.dataType() + " in the target");
                }
            }
            out.add(p);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("EmaTargetListener: no pair of layers with parameters was selected; layers: " + names);
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Copies every paired online parameter (and BatchNorm statistic) into its target. Call once
     * before training.
     *
     * @param graph the graph
     */
    public void initTargetFromOnline(ComputationGraph graph) {
        for (LayerPair p : pairsFor(graph)) {
            Map<String, INDArray> op = graph.getLayer(p.online()).paramTable();
            Map<String, INDArray> tp = graph.getLayer(p.target()).paramTable();
            for (Map.Entry<String, INDArray> e : op.entrySet()) {
                tp.get(e.getKey()).assign(e.getValue());
            }
        }
    }

    /**
     * One EMA step with an explicit momentum, {@code target = m * target + (1 - m) * online}; what
     * {@link #iterationDone} does with {@code schedule.momentum(iteration)}.
     *
     * @param graph the graph
     * @param m     momentum in [0, 1]
     */
    public void step(ComputationGraph graph, double m) {
        MomentumSchedule.checkMomentum(m, "EMA momentum");
        List<LayerPair> pairs = pairsFor(graph);
        currentMomentum = m;
        if (m == 1.0) {
            return;
        }
        double w = 1.0 - m;
        for (LayerPair p : pairs) {
            Map<String, INDArray> op = graph.getLayer(p.online()).paramTable();
            Map<String, INDArray> tp = graph.getLayer(p.target()).paramTable();
            for (Map.Entry<String, INDArray> e : op.entrySet()) {
                INDArray o = e.getValue();
                INDArray t = tp.get(e.getKey());
                if (BatchNormalizationParamInitializer.GLOBAL_LOG_STD.equals(e.getKey())) {
                    emaLog10Std(t, o, m);
                } else {
                    t.muli(m);
                    Nd4j.exec(new Axpy(o, t, t, w)); // t = w * o + t
                }
            }
        }
    }

    /** target log10(std) so that std_t^2 becomes m * std_t^2 + (1 - m) * std_o^2. */
    private static void emaLog10Std(INDArray t, INDArray o, double m) {
        INDArray varO = Transforms.exp(o.mul(2 * LN10), false);     // std_o^2
        INDArray varT = Transforms.exp(t.mul(2 * LN10), false);     // std_t^2
        varT.muli(m).addi(varO.muli(1.0 - m));
        Transforms.log(varT, false);
        t.assign(varT.muli(0.5 / LN10));
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (!(model instanceof ComputationGraph)) {
            throw new IllegalArgumentException("EmaTargetListener needs a ComputationGraph (online and target branches in one graph), got "
                    + (model == null ? "null" : model.getClass().getName()));
        }
        double m = schedule.momentum(iteration);
        MomentumSchedule.checkMomentum(m, "momentum from schedule " + schedule + " at iteration " + iteration);
        step((ComputationGraph) model, m);
    }

    private List<LayerPair> pairsFor(ComputationGraph graph) {
        if (resolvedFor != graph || resolved == null) {
            resolved = validate(graph);
            resolvedFor = graph;
        }
        return resolved;
    }

    private static List<String> layerNames(ComputationGraph graph) {
        List<String> names = new ArrayList<>();
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = graph.getVertices()[idx];
            if (v.hasLayer()) {
                names.add(v.getVertexName());
            }
        }
        return names;
    }

    private static long numParams(ComputationGraph graph, String name) {
        return graph.getLayer(name).numParams();
    }

    /**
     * One source of pairs: which online layers it selects and the target name of each; {@code explicit} for a
     * {@link Builder#pair}, whose online layer is paired even if it has no parameters.
     */
    private record Selection(String what, Predicate<String> selects, UnaryOperator<String> target, boolean explicit) {
    }

    /** The explicit pairs, prefix pairs and scopes of the builder, as one list of selections. */
    private List<Selection> selections() {
        List<Selection> all = new ArrayList<>();
        for (LayerPair p : explicitPairs) {
            all.add(new Selection("pair " + p, p.online()::equals, n -> p.target(), true));
        }
        for (String[] pp : prefixPairs) {
            String on = pp[0];
            String tp = pp[1];
            all.add(new Selection("prefixes('" + on + "', '" + tp + "')",
                    n -> n.startsWith(on) && !(n.startsWith(tp) && tp.length() > on.length()), n -> tp + n.substring(on.length()), false));
        }
        for (EmaScope scope : scopes) {
            all.add(new Selection(scope.toString(), scope::selects, scope::targetName, false));
        }
        return all;
    }

    private static void add(Map<String, LayerPair> byTarget, LayerPair p) {
        if (p.online().equals(p.target())) {
            throw new IllegalStateException("EmaTargetListener: layer '" + p.online() + "' is paired with itself");
        }
        LayerPair prev = byTarget.get(p.target());
        if (prev != null && !prev.equals(p)) {
            throw new IllegalStateException("EmaTargetListener: target layer '" + p.target() + "' is paired with two online layers: '"
                    + prev.online() + "' and '" + p.online() + "'");
        }
        byTarget.put(p.target(), p);
    }

    /** Builder: at least one of pair / prefixes / scope, and a momentum (default constant 0.99). */
    public static final class Builder {
        private final List<LayerPair> pairs = new ArrayList<>();
        private final List<String[]> prefixPairs = new ArrayList<>();
        private final List<EmaScope> scopes = new ArrayList<>();
        private MomentumSchedule schedule = MomentumSchedule.constant(0.99);

        private Builder() {
        }

        /**
         * @param onlineLayer online layer name
         * @param targetLayer target layer name
         * @return this
         */
        public Builder pair(String onlineLayer, String targetLayer) {
            pairs.add(new LayerPair(Objects.requireNonNull(onlineLayer, "onlineLayer"), Objects.requireNonNull(targetLayer, "targetLayer")));
            return this;
        }

        /**
         * Pairs every layer whose name starts with {@code onlinePrefix} with the layer named
         * {@code targetPrefix + rest} (layers already starting with a longer target prefix are not
         * online layers).
         *
         * @param onlinePrefix online prefix (may be empty)
         * @param targetPrefix target prefix, different from onlinePrefix
         * @return this
         */
        public Builder prefixes(String onlinePrefix, String targetPrefix) {
            Objects.requireNonNull(onlinePrefix, "onlinePrefix");
            Objects.requireNonNull(targetPrefix, "targetPrefix");
            if (onlinePrefix.equals(targetPrefix)) {
                throw new IllegalArgumentException("prefixes: online and target prefixes must differ, both are '" + onlinePrefix + "'");
            }
            prefixPairs.add(new String[] {onlinePrefix, targetPrefix});
            return this;
        }

        /**
         * @param scope which online layers to pair, by naming convention
         * @return this
         */
        public Builder scope(EmaScope scope) {
            scopes.add(Objects.requireNonNull(scope, "scope"));
            return this;
        }

        /**
         * @param m constant momentum in [0, 1]
         * @return this
         */
        public Builder momentum(double m) { this.schedule = MomentumSchedule.constant(m); return this; }

        /**
         * @param schedule momentum schedule
         * @return this
         */
        public Builder momentum(MomentumSchedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
            return this;
        }

        /** @return the listener */
        public EmaTargetListener build() {
            if (pairs.isEmpty() && prefixPairs.isEmpty() && scopes.isEmpty()) {
                throw new IllegalStateException("EmaTargetListener.Builder: give at least one pair(...), prefixes(...) or scope(...)");
            }
            return new EmaTargetListener(this);
        }
    }
}
