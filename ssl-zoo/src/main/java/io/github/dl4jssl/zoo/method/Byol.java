package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.ByolLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.listeners.EmaScope;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.nd4j.linalg.learning.config.Adam;

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
 * <p>The target layers are {@code TrainModeFrozenLayer}s (see {@code TargetBranch}): no gradient, no
 * optimizer update, no backward pass; {@link ByolLoss} in addition stops the gradient into the target half of
 * its input. {@link #initialize} copies the online backbone and projector into the target, and the
 * {@code EmaTargetListener} of {@link #trainingListeners} makes it their exponential moving average after each
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
public final class Byol extends EmaMethod {

    /** The merge vertex feeding the loss: columns [0, d) predictions, [d, 2d) target projections. */
    public static final String PAIR = "pair";

    private final MlpHead predictor;

    private Byol(Builder b) {
        super(b, net -> MlpHead.projection(b.projectorHidden(net), 128), net -> EmaScope.encoder());
        this.predictor = predictor(b.predictor, MlpHead.predictor(b.hiddenOr(512), projector().outputSize()));
    }

    @Override
    public String name() { return "byol"; }

    /** The prediction MLP q. */
    public MlpHead predictor() { return predictor; }

    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = graphBuilder();
        String projection = appendEncoder(graph, INPUT);
        String prediction = appendHead(predictor, graph, projection, PREDICTOR_PREFIX);
        String targetProjection = appendTargetEncoder(graph);
        graph.addVertex(PAIR, new MergeVertex(), prediction, targetProjection);
        graph.addLayer(LOSS, new ByolLoss.Builder().build(), PAIR);
        return graph.setOutputs(LOSS).build();
    }

    /** Builder with BYOL's defaults (tau_base 0.996, cosine to 1, weight decay 1.5e-6), heads and updater scaled. */
    public static final class Builder extends EmaMethodBuilder<Builder> {
        private MlpHead predictor;

        public Builder() {
            super(new Adam(1e-3), 1.5e-6, 0.996, true);
        }

        /** The prediction MLP q (default: 512 hidden, the projector's output size out). */
        public Builder predictor(MlpHead predictor) {
            this.predictor = Objects.requireNonNull(predictor, "predictor");
            return this;
        }

        /** The paper's heads: projector 4096 hidden / 256 out, predictor 4096 hidden / 256 out. */
        public Builder paperHeads() {
            return projector(MlpHead.projection(4096, 256)).predictor(MlpHead.predictor(4096, 256));
        }

        public Byol build() { return new Byol(this); }
    }
}
