package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.NtXentLossImpl;
import io.github.dl4jssl.layers.impl.HandDerivedLossLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * SimCLR's normalized-temperature cross-entropy loss (NT-Xent) as a DL4J output layer.
 *
 * <p>Chen, Kornblith, Norouzi, Hinton, "A Simple Framework for Contrastive Learning of Visual
 * Representations" (SimCLR), ICML 2020, eq. (1). The input is a stacked batch of 2N embeddings in which
 * rows {@code i} and {@code i + N} are two augmented views of one image. The embeddings are
 * L2-normalised inside the layer; for every row the positive is its partner view and the negatives are the
 * other 2N - 2 rows:</p>
 * <pre>
 *   l(i) = -log( exp(sim(z_i, z_p(i)) / t) / sum_{k != i} exp(sim(z_i, z_k) / t) )
 * </pre>
 * <p>The score DL4J reports is the mean of l over the 2N rows. The layer has no parameters and needs no
 * labels; its activations (what {@code graph.output(...)} returns) are the un-normalised embeddings.</p>
 *
 * <pre>{@code
 * graph.addLayer("loss", new NtXentLoss.Builder().temperature(0.5).build(), "projector");
 * }</pre>
 */
public class NtXentLoss extends SslLossLayer {

    /** Added to the self-similarity logits to exclude them from the softmax denominator. */
    public static final double SELF_MASK = 1e9;

    private double temperature = 0.5;

    /** For JSON. */
    protected NtXentLoss() {
    }

    protected NtXentLoss(Builder b) {
        super(b);
        this.temperature = b.temperature;
    }

    public double getTemperature() { return temperature; }

    public void setTemperature(double temperature) { this.temperature = temperature; }

    /**
     * The runtime layer: {@link NtXentLossImpl}, the same loss and gradient in plain ND4J operations, unless
     * {@link Builder#sameDiff(boolean)} asked for the SameDiff graph (the reference).
     */
    @Override
    protected HandDerivedLossLayer handDerivedLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new NtXentLossImpl(conf, dataType);
    }

    @Override
    public void validateInput(INDArray input) {
        super.validateInput(input);
        long rows = input.size(0);
        if (rows % 2 != 0 || rows < 4) {
            throw new IllegalArgumentException("NtXentLoss (layer '" + getLayerName() + "') needs a stacked batch "
                    + "of 2N embeddings (row i and row i+N are two views of one image) with N >= 2, got "
                    + rows + " rows (shape " + Arrays.toString(input.shape()) + ")"
                    + (rows % 2 != 0 ? ": an odd number of rows cannot form pairs of views." : "."));
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
        SDVariable z = ContrastiveOps.l2Normalize(sd, input);
        SDVariable logits = sd.mmul(z, z, false, true, false).div(temperature);
        SDVariable self = ContrastiveOps.identityLike(sd, logits);
        SDVariable masked = logits.sub(self.mul(SELF_MASK));
        SDVariable logDenominator = ContrastiveOps.logSumExpRows(sd, masked);
        SDVariable partner = ContrastiveOps.swapViews(sd, z, nIn);
        SDVariable positive = z.mul(partner).sum(1).div(temperature);
        return logDenominator.sub(positive).sum();
    }

    /** Builder in DL4J style. */
    public static class Builder extends SslLossLayer.Builder<Builder> {
        private double temperature = 0.5;

        /** Softmax temperature t &gt; 0 (SimCLR: 0.5 for CIFAR-10, 0.1 for ImageNet at large batch). */
        public Builder temperature(double temperature) {
            this.temperature = checkTemperature("NtXentLoss", temperature);
            return this;
        }

        public NtXentLoss build() { return new NtXentLoss(this); }
    }
}
