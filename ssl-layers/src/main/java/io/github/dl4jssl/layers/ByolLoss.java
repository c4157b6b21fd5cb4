package io.github.dl4jssl.layers;

/**
 * BYOL's normalized mean squared error between online predictions and target projections, as a DL4J
 * output layer.
 *
 * <p>Grill, Strub, Altché, Tallec, Richemond et al., "Bootstrap Your Own Latent: A New Approach to
 * Self-Supervised Learning" (BYOL), NeurIPS 2020, eq. (2) and the symmetrised loss of section 3.1.</p>
 *
 * <p><b>In:</b> {@code merge(p, z)} of shape [2N, 2d] (see {@link MergedPairLoss}): {@code p} = the online
 * network's predictions q_theta(z_theta) and {@code z} = the target network's projections z'_xi, both for the
 * stacked two-view batch (rows i and i + N are the two views of image i). <b>Out:</b> the score</p>
 * <pre>
 *   l(i) = || p_i/|p_i| - z_s(i)/|z_s(i)| ||^2 = 2 - 2 cos(p_i, z_s(i)),   s(i) = (i + N) mod 2N
 * </pre>
 * <p>summed over the 2N rows, so the mean DL4J reports is the average of BYOL's two symmetric terms
 * (L + L~)/2 per image. The layer has no parameters, ignores labels, and its activations are its input.</p>
 *
 * <p>Gradient: only into {@code p}. As in SimSiam's loss ({@link CrossViewCosineLoss}), the gradient this layer
 * sends back to the z half of its input is exactly zero; the target branch should in addition be frozen (e.g.
 * {@code TrainModeFrozenLayer} updated by an EMA listener), so that DL4J skips its backward pass.</p>
 */
public class ByolLoss extends CrossViewCosineLoss {

    /** For JSON. */
    protected ByolLoss() {
    }

    protected ByolLoss(Builder b) {
        super(b);
    }

    @Override
    protected String pairDescription() {
        return "predictions p, target projections z";
    }

    @Override
    public double cosineScale() { return -2.0; }

    @Override
    public double cosineOffset() { return 2.0; }

    /** Builder in DL4J style. */
    public static class Builder extends SslLossLayer.Builder<Builder> {

        public ByolLoss build() { return new ByolLoss(this); }
    }
}
