package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.ByolLoss;
import io.github.dl4jssl.layers.PredictorHead;
import io.github.dl4jssl.layers.ProjectionHead;
import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.MomentumSchedule;
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
 * BYOL (Grill, Strub, Altché, Tallec, Richemond et al., "Bootstrap Your Own Latent: A New Approach to
 * Self-Supervised Learning", NeurIPS 2020) as one DL4J {@link ComputationGraphConfiguration}.
 *
 * <p><b>Graph</b> (stacked two-view batches [2N, ...], rows i and i + N are two views of image i):</p>
 * <pre>
 *   input -&gt; backbone_* -&gt; projector_* -&gt; predictor_*  (online: f_theta, g_theta, q_theta)
 *   input -&gt; target_backbone_* -&gt; target_projector_*    (target: f_xi, g_xi, frozen, train-mode BN)
 *   pair = merge(predictor output, target projection) -&gt; loss (ByolLoss, symmetric 2 - 2 cos)
 * </pre>
 * <p>The target layers are {@code TrainModeFrozenLayer}s (see {@link TargetBranch}): no gradient, no
 * optimizer update, no backward pass; {@link ByolLoss} in addition stops the gradient into the target half of
 * its input. {@link #initialize} copies the online backbone and projector into the target, and the
 * {@link EmaTargetListener} of {@link #trainingListeners} makes it their exponential moving average after each
 * iteration with BYOL's cosine schedule {@code tau = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2},
 * {@code tau_base = 0.996} (section 3.3).</p>
 *
 * <p><b>Defaults.</b> Paper: projector and predictor 4096 hidden / 256 out ({@link Builder#paperHeads()}),
 * LARS with base learning rate 0.2 x batch / 256 and weight decay 1.5e-6, tau_base 0.996. Here, as for
 * {@link SimClr}, heads are scaled to small backbones (projector hidden max(512, feature size), 128 out;
 * predictor 512 hidden) and the updater is Adam 1e-3 (the paper's: {@code updater(Lars)} with {@code warmupCosine(...)});
 * weight decay 1.5e-6.</p>
 *
 * <pre>{@code
 * Byol byol = new Byol.Builder().backbone(new SmallCnn()).build();
 * ComputationGraph graph = byol.init();                       // target := online
 * graph.setListeners(byol.trainingListeners(epochs * iterator.batchesPerEpoch()));
 * graph.fit(twoViewIterator, epochs);
 * }</pre>
 */
public final class Byol implements SslMethod {

    /** The merge vertex feeding the loss: columns [0, d) predictions, [d, 2d) target projections. */
    public static final String PAIR = "pair";

    private final Backbone backbone;
    private final ProjectionHead projector;
    private final PredictorHead predictor;
    private final EmaTarget ema;
    private final GlobalSettings global;
    private final String backboneOutput;

    private Byol(Builder b) {
        this.backbone = b.requireBackbone("Byol");
        this.projector = b.projector != null ? b.projector
                : new ProjectionHead.Builder().hiddenSize(b.hiddenOr(Math.max(512, backbone.featureSize()))).outputSize(128).build();
        this.predictor = b.predictor != null ? b.predictor
                : new PredictorHead.Builder().hiddenSize(b.hiddenOr(512)).outputSize(projector.getOutputSize()).build();
        TwoBranchSupport.requireMatchingSizes("Byol", projector, predictor);
        this.ema = b.emaTarget(EmaScope.encoder());
        this.global = b.globalSettings();
        this.backboneOutput = TwoBranchSupport.backboneOutput(backbone);
    }

    @Override
    public String name() {
        return "byol";
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public String backboneOutput() {
        return backboneOutput;
    }

    public ProjectionHead projector() {
        return projector;
    }

    public PredictorHead predictor() {
        return predictor;
    }

    /** tau_base, the momentum of the first iteration. */
    public double baseMomentum() {
        return ema.startMomentum();
    }

    /** The momentum schedule for a run of {@code totalIterations} iterations. */
    public MomentumSchedule momentumSchedule(long totalIterations) {
        return ema.schedule(totalIterations);
    }

    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = global.graphBuilder(backbone);
        String features = backbone.appendTo(graph, INPUT, BACKBONE_PREFIX);
        String projection = projector.appendTo(graph, PROJECTOR_PREFIX, features);
        String prediction = predictor.appendTo(graph, PREDICTOR_PREFIX, projection);
        String targetProjection = TargetBranch.append(graph, INPUT, TARGET_PREFIX,
                (g, in) -> projector.appendTo(g, PROJECTOR_PREFIX, backbone.appendTo(g, in, BACKBONE_PREFIX)));
        graph.addVertex(PAIR, new MergeVertex(), prediction, targetProjection);
        graph.addLayer(LOSS, new ByolLoss.Builder().build(), PAIR);
        return graph.setOutputs(LOSS).build();
    }

    /** The EMA listener (scope: backbone and projector; the predictor has no target) for a planned run length. */
    public EmaTargetListener emaListener(long totalIterations) {
        return ema.listener(totalIterations);
    }

    /** Target backbone and projector := online ones. */
    @Override
    public void initialize(ComputationGraph graph) {
        ema.initialize(graph);
    }

    @Override
    public List<TrainingListener> trainingListeners(long totalIterations) {
        return List.of(emaListener(totalIterations));
    }

    /** Builder with BYOL's defaults (tau_base 0.996, cosine to 1, weight decay 1.5e-6), heads and updater scaled. */
    public static final class Builder extends EmaMethodBuilder<Builder> {
        private ProjectionHead projector;
        private PredictorHead predictor;

        public Builder() {
            super(new Adam(1e-3), 1.5e-6, 0.996, true);
        }

        /** The projection MLP g (default: hidden max(512, feature size), 128 out). */
        public Builder projector(ProjectionHead projector) {
            this.projector = Objects.requireNonNull(projector, "projector");
            return this;
        }

        /** The prediction MLP q (default: 512 hidden, the projector's output size out). */
        public Builder predictor(PredictorHead predictor) {
            this.predictor = Objects.requireNonNull(predictor, "predictor");
            return this;
        }

        /** The paper's heads: projector 4096 hidden / 256 out, predictor 4096 hidden / 256 out. */
        public Builder paperHeads() {
            this.projector = new ProjectionHead.Builder().hiddenSize(4096).outputSize(256).build();
            this.predictor = new PredictorHead.Builder().hiddenSize(4096).outputSize(256).build();
            return this;
        }

        /** tau_base, the EMA momentum at the first iteration (BYOL: 0.996). */
        public Builder baseMomentum(double baseMomentum) {
            return startMomentum(baseMomentum, "Byol base momentum");
        }

        public Byol build() {
            return new Byol(this);
        }
    }
}
