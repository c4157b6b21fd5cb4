package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.CrossViewCosineLossImpl;
import io.github.dl4jssl.layers.impl.HandDerivedLossLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Map;

/**
 * Base class of the symmetrised losses of the non-contrastive methods, whose only similarity is the cosine between
 * a prediction and the other view's target behind a stop-gradient: BYOL's normalised MSE ({@link ByolLoss},
 * Grill et al. 2020, eq. 2) and SimSiam's negative cosine ({@link NegativeCosineLoss}, Chen and He 2021, eq. 1-4).
 * Per row of the stacked two-view batch (see {@link MergedPairLoss} for the merged input)
 * <pre>
 *   l(i) = a cos(p_i, stopgrad(z_s(i))) + b,   s(i) = (i + N) mod 2N
 * </pre>
 * <p>with the loss's scale {@code a = }{@link #cosineScale()} and offset {@code b = }{@link #cosineOffset()}, summed over
 * the 2N rows (DL4J divides by 2N). It runs as {@link CrossViewCosineLossImpl}, the same loss and gradient in plain
 * ND4J: DL4J 1.0.0-M2.1's SameDiff output layer leaked about 47 MB of native memory per SimSiam step at batch 256
 * (docs/experiments/pretrained-s9). The SameDiff graph of {@link #defineLayer} stays the tested reference
 * ({@link Builder#sameDiff(boolean)}).</p>
 */
public abstract class CrossViewCosineLoss extends MergedPairLoss {

    protected CrossViewCosineLoss() {
    }

    protected CrossViewCosineLoss(Builder<?> b) {
        super(b);
    }

    /** The factor a of each row's cosine in the loss: -1 for SimSiam, -2 for BYOL. */
    public abstract double cosineScale();

    /** The constant b added per row: 0 for SimSiam, 2 for BYOL. */
    public abstract double cosineOffset();

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
        return crossViewCosines(sd, input).mul(cosineScale()).add(cosineOffset()).sum();
    }

    /**
     * The [2N] cosines between each row's prediction p_i (columns [0, d)) and the other view's target
     * z_(i+N) mod 2N (columns [d, 2d)) behind a stop-gradient ({@link ContrastiveOps#stopGradient}): no gradient
     * reaches the z half of the input.
     */
    protected SDVariable crossViewCosines(SameDiff sd, SDVariable input) {
        long d = halfWidth();
        SDVariable p = ContrastiveOps.l2Normalize(sd, ContrastiveOps.leftColumns(input, d));
        SDVariable z = ContrastiveOps.l2Normalize(sd, ContrastiveOps.stopGradient(sd, ContrastiveOps.rightColumns(input, d)));
        return p.mul(ContrastiveOps.swapViews(sd, z, d)).sum(1);
    }

    /** The runtime layer: {@link CrossViewCosineLossImpl}, unless {@link #isSameDiff()} asks for the SameDiff graph. */
    @Override
    protected HandDerivedLossLayer handDerivedLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new CrossViewCosineLossImpl(conf, dataType);
    }
}
