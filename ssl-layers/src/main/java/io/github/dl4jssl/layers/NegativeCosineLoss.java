package io.github.dl4jssl.layers;

/**
 * SimSiam's symmetrised negative cosine similarity with stop-gradient, as a DL4J output layer.
 *
 * <p>Chen, He, "Exploring Simple Siamese Representation Learning" (SimSiam), CVPR 2021, eq. (1)-(4):
 * {@code D(p1, z2) = -cos(p1, stopgrad(z2))}, {@code L = 1/2 D(p1, z2) + 1/2 D(p2, z1)}.</p>
 *
 * <p><b>In:</b> {@code merge(p, z)} of shape [2N, 2d] (see {@link MergedPairLoss}): {@code p} = the
 * predictor's outputs h(f(x)) and {@code z} = the projector's outputs f(x), for the stacked two-view batch
 * (rows i and i + N are the two views of image i). <b>Out:</b> the score</p>
 * <pre>
 *   l(i) = -cos(p_i, stopgrad(z_s(i))),   s(i) = (i + N) mod 2N
 * </pre>
 * <p>summed over the 2N rows; DL4J divides by 2N, so the reported score is SimSiam's L (between -1 and 1).
 * The layer has no parameters, ignores labels, and its activations are its input.</p>
 *
 * <p><b>Stop-gradient.</b> In SimSiam z comes from the same, trainable encoder as p, so the stop-gradient
 * must happen inside the loss: the gradient this layer sends back to the z half of its input is exactly zero
 * ({@link io.github.dl4jssl.layers.impl.CrossViewCosineLossImpl} writes zeros there; the SameDiff reference passes
 * the z columns through {@link ContrastiveOps#stopGradient}), so the encoder is trained only through the
 * predictor path. Because of it, a numeric gradient check of a graph in which z depends on the parameters does
 * not apply; check with z fed as a constant input instead.</p>
 */
public class NegativeCosineLoss extends CrossViewCosineLoss {

    /** For JSON. */
    protected NegativeCosineLoss() {
    }

    protected NegativeCosineLoss(Builder b) {
        super(b);
    }

    @Override
    protected String pairDescription() {
        return "predictions p, projections z";
    }

    @Override
    public double cosineScale() { return -1.0; }

    @Override
    public double cosineOffset() { return 0.0; }

    /** Builder in DL4J style. */
    public static class Builder extends SslLossLayer.Builder<Builder> {

        public NegativeCosineLoss build() { return new NegativeCosineLoss(this); }
    }
}
