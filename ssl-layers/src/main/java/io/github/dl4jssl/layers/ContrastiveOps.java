package io.github.dl4jssl.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * SameDiff building blocks shared by the contrastive losses, each written so that its backward pass
 * works in DL4J 1.0.0-M2.1 (checked by the layers' gradient checks): no {@code logSumExp} op and no
 * {@code eye} of a runtime size.
 */
public final class ContrastiveOps {

    /** Guards the L2 normalisation of an all-zero row. */
    public static final double NORM_EPS = 1e-12;

    private ContrastiveOps() {
    }

    /** Rows divided by their L2 norm. */
    public static SDVariable l2Normalize(SameDiff sd, SDVariable x) {
        SDVariable norm = x.norm2(true, 1);
        return x.div(sd.math.max(norm, sd.constant(NORM_EPS).castTo(x.dataType())));
    }

    /** A constant identity matrix of the (runtime) shape of the square matrix {@code m}. */
    public static SDVariable identityLike(SameDiff sd, SDVariable m) { return sd.math.diag(sd.onesLike(m.sum(1))); }

    /**
     * Row-wise log(sum(exp(x))) as max + log(sum(exp(x - max))), shape [rows]: numerically stable,
     * and unlike {@code sd.math.logSumExp} its gradient works in DL4J 1.0.0-M2.1.
     */
    public static SDVariable logSumExpRows(SameDiff sd, SDVariable x) {
        SDVariable max = x.max(true, 1);
        SDVariable lse = sd.math.log(sd.math.exp(x.sub(max)).sum(true, 1)).add(max);
        return lse.reshape(-1);
    }

    /**
     * For a stacked batch of 2N rows of width {@code width}, the rows with the two halves swapped: row i
     * of the result is row (i + N) mod 2N of {@code x}, the other view of the same image.
     * (Written with reverse: in DL4J 1.0.0-M2.1 the backprop of {@code gather} along axis 0 of this
     * reshaped array fails the gradient check.)
     */
    public static SDVariable swapViews(SameDiff sd, SDVariable x, long width) {
        SDVariable halves = x.reshape(2, -1, width);
        return sd.reverse(halves, 0).reshape(-1, width);
    }

    /**
     * The identity in the forward pass whose gradient is zero (SameDiff's {@code stop_gradient} op,
     * {@link StopGradient}; its backward pass is {@code zerosLike}). Checked by the losses' tests: the
     * gradient that reaches an input through it is exactly zero.
     */
    public static SDVariable stopGradient(SameDiff sd, SDVariable x) {
        return new StopGradient(sd, x).outputVariable();
    }

    /** Columns {@code [0, width)} of a [rows, 2 * width] matrix (the first input of a merge). */
    public static SDVariable leftColumns(SDVariable x, long width) {
        return x.get(SDIndex.all(), SDIndex.interval(0L, width));
    }

    /** Columns {@code [width, 2 * width)} of a [rows, 2 * width] matrix (the second input of a merge). */
    public static SDVariable rightColumns(SDVariable x, long width) {
        return x.get(SDIndex.all(), SDIndex.interval(width, 2 * width));
    }
}
