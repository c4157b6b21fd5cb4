package io.github.dl4jssl.layers.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The layer-wise part of LARS (You, Gitman, Ginsburg 2017, "Large Batch Training of Convolutional Networks",
 * eq. 6): for one parameter tensor w with gradient g, replaces g by
 * <pre>
 *   u = g + wd * w
 *   g := q * u,   q = eta * ||w|| / ||u||   if ||w|| &gt; 0 and ||u|| &gt; 0, else q = 1
 * </pre>
 * exactly as the reference code of MoCo v3 ({@code facebookresearch/moco-v3}, {@code moco/optimizer.py}) and
 * Barlow Twins does. The momentum step that follows is {@link LarsUpdater}'s.
 *
 * <p><b>Why a {@link Regularization}.</b> DL4J hands an updater one flattened view of a whole <em>block</em> of
 * consecutive parameters with equal updater configurations (several layers at once, see {@code UpdaterBlock}),
 * and never the parameters themselves; but it applies a layer's regularizations one parameter tensor at a time,
 * with that tensor's parameter and gradient views, before the updater ({@link ApplyStep#BEFORE_UPDATER}) and
 * after DL4J divided the gradient by the minibatch size. That is the granularity LARS needs. DL4J gives weights
 * their layer's {@code regularization} and biases its {@code regularizationBias}, and BatchNormalization's gamma
 * and beta none: registering this class as the weights' regularization (see {@link Lars#configure}) leaves biases
 * and BatchNorm parameters without decay and without adaptation, the papers' exclusion ({@code p.ndim == 1} in
 * the reference code).</p>
 *
 * <p><b>Why an {@link L2Regularization}.</b> The decay is an L2 term added to the gradient before the updater,
 * rescaled per tensor. Being one also keeps it once per layer: DL4J 1.0.0-M2.1 configures each layer of a
 * {@code ComputationGraph} twice with the network-wide regularizations and appends every kind but L1 and L2 a
 * second time (its {@code WeightDecay} too: see {@code LarsDl4jProbeTest}). A later {@code l2(...)} on the
 * network builder replaces it, as it replaces any L2.</p>
 *
 * <p>DL4J writes this class into model JSON: keep its name and package.</p>
 */
public final class LarsTrustRatio extends L2Regularization {

    private static final long serialVersionUID = 1L;

    @JsonProperty
    private final double trustCoefficient;
    @JsonProperty
    private final double weightDecay;

    /**
     * @param trustCoefficient eta &gt; 0 (the papers: 0.001)
     * @param weightDecay      wd &gt;= 0, added to the gradient before the trust ratio
     */
    @JsonCreator
    public LarsTrustRatio(@JsonProperty("trustCoefficient") double trustCoefficient,
                          @JsonProperty("weightDecay") double weightDecay) {
        super(Lars.checkWeightDecay(weightDecay));
        this.trustCoefficient = Lars.checkTrustCoefficient(trustCoefficient);
        this.weightDecay = Lars.checkWeightDecay(weightDecay);
    }

    @Override
    public ApplyStep applyStep() { return ApplyStep.BEFORE_UPDATER; }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        if (weightDecay != 0) {
            gradView.addi(param.mul(weightDecay));
        }
        double paramNorm = param.norm2Number().doubleValue();
        double updateNorm = gradView.norm2Number().doubleValue();
        if (paramNorm > 0 && updateNorm > 0) {
            gradView.muli(trustCoefficient * paramNorm / updateNorm);
        }
    }

    /** 0: like the reference code, the reported loss is the model's loss without the decay term. */
    @Override
    public double score(INDArray param, int iteration, int epoch) { return 0.0; }

    @Override
    public LarsTrustRatio clone() { return new LarsTrustRatio(trustCoefficient, weightDecay); }

    public double getTrustCoefficient() { return trustCoefficient; }

    public double getWeightDecay() { return weightDecay; }

    @Override
    public boolean equals(Object o) {
        return o instanceof LarsTrustRatio r && r.trustCoefficient == trustCoefficient && r.weightDecay == weightDecay;
    }

    @Override
    public int hashCode() { return java.util.Objects.hash(trustCoefficient, weightDecay); }

    @Override
    public String toString() {
        return "LarsTrustRatio(eta=" + trustCoefficient + ", weightDecay=" + weightDecay + ")";
    }
}
