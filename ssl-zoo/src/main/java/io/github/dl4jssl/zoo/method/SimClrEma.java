package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.layers.SslLossLayer;
import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.TargetBranch;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;
import java.util.Objects;

/**
 * SimCLR with a momentum (EMA) key branch, after Pham, Zhang, Niu, Zhang, Yoo, "On the Pros and Cons of
 * Momentum Encoder in Self-Supervised Visual Representation Learning" (2022), which finds
 * that most of the benefit of a momentum encoder comes from its last layers, so an EMA copy of the projector
 * alone, fed with the online backbone's features, keeps the gain at a fraction of the cost.
 *
 * <p><b>Graph</b> (stacked two-view batches [2N, ...], rows i and i + N are two views of image i):</p>
 * <pre>
 *   input -&gt; backbone_* -&gt; projector_*                        (online: queries q)
 *   FULL_ENCODER:   input -&gt; target_backbone_* -&gt; target_projector_*    (keys k)
 *   PROJECTOR_ONLY: backbone output -&gt; target_projector_*                (keys k; no target backbone)
 *   pair = merge(q, k) -&gt; loss (InfoNceLoss: batch negatives, symmetric, t = 0.5)
 * </pre>
 * <p>With {@link Scope#PROJECTOR_ONLY} the backbone runs once per view (the target projector reads the online
 * backbone's output vertex) and the configuration has no {@code target_backbone_*} layer. The target layers
 * are frozen train-mode copies (no gradient, no update); {@link #initialize} copies the online layers into
 * them, and the {@link EmaTargetListener} of {@link #trainingListeners} keeps them the EMA of the online
 * backbone + projector ({@link EmaScope#encoder()}) or projector ({@link EmaScope#projectorOnly()}), with a
 * constant momentum 0.99 by default.</p>
 *
 * <p><b>Negatives.</b> {@link InfoNceLoss} with batch negatives, symmetric: every one of the 2N online
 * projections q_i is a query; its candidates are exactly the N target keys of the <em>other</em> view, i.e.
 * its positive (the key of the other view of the same image) and, as negatives, the other view's keys of the
 * N - 1 other images of the batch. Online projections are never candidates, nor are keys of the query's own
 * view; so there are N - 1 negatives per query (SimCLR's NT-Xent has 2N - 2, all online). The score is the mean
 * over the 2N queries of {@code -log softmax} of the positive with temperature t; no queue.</p>
 *
 * <p><b>Defaults</b> (SimCLR's, scaled as in {@link SimClr}): t = 0.5, projector max(512, feature size) hidden
 * / 128 out, Adam 1e-3, weight decay 1e-6, momentum constant 0.99.</p>
 */
public final class SimClrEma extends EmaMethod {

    /** Which part of the online network has an EMA copy that computes the keys. */
    public enum Scope {
        /** Target = EMA copy of backbone + projector, reading the image input (MoCo-style key encoder). */
        FULL_ENCODER,
        /** Target = EMA copy of the projector only, reading the online backbone's output (backbone runs once). */
        PROJECTOR_ONLY,
        /**
         * Target = copy of backbone + projector in which only the selected backbone stages are an EMA (by default
         * the backbone's {@link Backbone#finalStage()}); the other target layers track the online ones exactly
         * (momentum 0). Isolates the effect of momentum on chosen stages (Pham et al. 2022).
         */
        STAGES
    }

    /** The merge vertex feeding the loss: columns [0, d) online projections q, [d, 2d) target keys k. */
    public static final String PAIR = "pair";

    private final Scope scope;
    private final double temperature;

    private SimClrEma(Builder b) {
        super(b, net -> MlpHead.projection(b.projectorHidden(net), 128), net -> emaScope(b, net));
        this.scope = b.scope;
        this.temperature = b.temperature;
    }

    private static EmaScope emaScope(Builder b, Backbone backbone) {
        if (b.scope != Scope.STAGES) {
            return b.scope == Scope.FULL_ENCODER ? EmaScope.encoder() : EmaScope.projectorOnly();
        }
        List<String> stages = b.emaStages != null ? b.emaStages : backbone.finalStage();
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("SimClrEma scope STAGES: backbone " + backbone.name()
                    + " names no final stage; give the stages with emaStages(...)");
        }
        return EmaScope.stages(stages.toArray(new String[0]));
    }

    /** {@code simclr-ema} (full encoder), {@code simclr-ema-projector} (projector only) or {@code simclr-ema-stages}. */
    @Override
    public String name() {
        return scope == Scope.FULL_ENCODER ? "simclr-ema" : scope == Scope.PROJECTOR_ONLY ? "simclr-ema-projector" : "simclr-ema-stages";
    }

    /** The backbone stages with an EMA under {@link Scope#STAGES} (empty otherwise). */
    public List<String> emaStages() { return scope == Scope.STAGES ? emaScope().getStages() : List.of(); }

    public Scope scope() { return scope; }

    public double temperature() { return temperature; }

    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = graphBuilder();
        String query = appendEncoder(graph, INPUT);
        String key = scope != Scope.PROJECTOR_ONLY ? appendTargetEncoder(graph)
                : TargetBranch.append(graph, backboneOutput(), TARGET_PREFIX, (g, in) -> appendHead(projector(), g, in, PROJECTOR_PREFIX));
        graph.addVertex(PAIR, new MergeVertex(), query, key);
        graph.addLayer(LOSS, new InfoNceLoss.Builder().temperature(temperature).batchNegatives(true).queueSize(0)
                .symmetric(true).scaleByTwoTemperature(false).build(), PAIR);
        return graph.setOutputs(LOSS).build();
    }

    /** Target := online (backbone + projector, or projector only). */
    @Override
    public void initialize(ComputationGraph graph) {
        super.initialize(graph);
        if (scope == Scope.STAGES) {
            trackingListener().initTargetFromOnline(graph);
        }
    }

    /** Under {@link Scope#STAGES}, the EMA listener of the stages, then the copy (momentum 0) of the rest. */
    @Override
    public List<TrainingListener> trainingListeners(long totalIterations) {
        return scope == Scope.STAGES ? List.of(emaListener(totalIterations), trackingListener())
                : List.of(emaListener(totalIterations));
    }

    /** Target := online for the encoder layers outside the EMA stages. */
    private EmaTargetListener trackingListener() {
        return EmaTargetListener.builder().scope(EmaScope.encoderExceptStages(emaStages().toArray(new String[0])))
                .momentum(0.0).build();
    }

    /** Builder: full-encoder scope, t = 0.5, constant momentum 0.99, SimCLR's scaled head and optimizer. */
    public static final class Builder extends EmaMethodBuilder<Builder> {
        private Scope scope = Scope.FULL_ENCODER;
        private double temperature = 0.5;
        private List<String> emaStages;

        public Builder() {
            super(new Adam(1e-3), 1e-6, 0.99, false);
        }

        /** Which part has an EMA copy (default {@link Scope#FULL_ENCODER}). */
        public Builder scope(Scope scope) { this.scope = Objects.requireNonNull(scope, "scope"); return this; }

        /**
         * The backbone stages (layer-name prefixes relative to the backbone prefix, e.g. {@code "stage4"}) with an
         * EMA under {@link Scope#STAGES} (default: the backbone's {@link Backbone#finalStage()}).
         */
        public Builder emaStages(String... stages) {
            EmaScope.stages(stages); // validates
            this.emaStages = List.of(stages);
            return this;
        }

        /** InfoNCE temperature (default 0.5, SimCLR's). */
        public Builder temperature(double temperature) {
            this.temperature = SslLossLayer.checkTemperature("SimClrEma", temperature);
            return this;
        }

        public SimClrEma build() { return new SimClrEma(this); }
    }
}
