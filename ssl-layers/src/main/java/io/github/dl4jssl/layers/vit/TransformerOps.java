package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.ContrastiveOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * SameDiff building blocks of the Vision Transformer layers (Dosovitskiy et al., "An Image is Worth 16x16 Words",
 * ICLR 2021), written with elementary ops whose backward passes work in DL4J 1.0.0-M2.1 (verified by the layers'
 * double-precision gradient checks): layer normalisation over the last axis, softmax over the last axis, GELU,
 * and the Xavier-uniform initialisation the MoCo v3 ViT uses for its linear layers.
 */
public final class TransformerOps {

    /** sqrt(2 / pi), of the tanh form of GELU. */
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    private TransformerOps() {
    }

    /**
     * Layer normalisation (Ba, Kiros, Hinton 2016) of each row of a 2-d {@code x} [rows, D]:
     * {@code (x - mean) / sqrt(var + eps) * gamma + beta}, biased variance, gamma and beta of shape [1, D].
     */
    public static SDVariable layerNorm(SDVariable x, SDVariable gamma, SDVariable beta, double eps) {
        SDVariable centred = x.sub(x.mean(true, 1));
        SDVariable var = centred.mul(centred).mean(true, 1);
        return centred.div(var.add(eps).pow(0.5)).mul(gamma).add(beta);
    }

    /**
     * Softmax over the last axis of {@code x} (any rank), as {@code exp(x - max) / sum(exp(x - max))}; the max is
     * behind a stop-gradient (softmax does not depend on the shift), so no backward pass of a softmax op is used.
     */
    public static SDVariable softmaxLastAxis(SameDiff sd, SDVariable x, int rank) {
        int last = rank - 1;
        SDVariable shifted = x.sub(ContrastiveOps.stopGradient(sd, x.max(true, last)));
        SDVariable e = sd.math.exp(shifted);
        return e.div(e.sum(true, last));
    }

    /**
     * GELU (Hendrycks &amp; Gimpel 2016) in its tanh form, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}
     * (PyTorch's {@code approximate='tanh'}; it differs from the erf form by less than 1e-3).
     */
    public static SDVariable gelu(SameDiff sd, SDVariable x) {
        SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(GELU_C);
        return x.mul(sd.math.tanh(inner).add(1.0)).mul(0.5);
    }

    /** {@code x W + b} for a 2-d {@code x} [rows, in], W [in, out], b [1, out]. */
    public static SDVariable linear(SDVariable x, SDVariable w, SDVariable b) { return x.mmul(w).add(b); }

    /** Fills {@code w} [fanIn, fanOut] from U(-a, a), a = sqrt(6 / (fanIn + fanOut)) (Glorot &amp; Bengio 2010). */
    public static void xavierUniform(INDArray w, long fanIn, long fanOut) {
        double a = Math.sqrt(6.0 / (fanIn + fanOut));
        w.assign(org.nd4j.linalg.factory.Nd4j.rand(w.dataType(), w.shape()).muli(2 * a).subi(a));
    }

    /** Sets every parameter whose name is in {@code names} to {@code value}. */
    static void fill(Map<String, INDArray> params, double value, String... names) {
        for (String n : names) {
            INDArray p = params.get(n);
            if (p != null) {
                p.assign(value);
            }
        }
    }
}
