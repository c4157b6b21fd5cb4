package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.Checks;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The end of a ViT encoder (Dosovitskiy et al., ICLR 2021, eq. 4): the final LayerNorm of every token, then the
 * image representation, [B, N, D] -&gt; [B, D]: the class token (token 0, ViT and MoCo v3) or, with
 * {@link Pooling#MEAN}, the mean of the other N - 1 (patch) tokens. LayerNorm parameters {@code lng}, {@code lnb}
 * [1, D], eps 1e-6.
 */
public class TokenPooling extends TokenSequenceLayer {

    /** Which token(s) represent the image. */
    public enum Pooling { CLASS_TOKEN, MEAN }

    private Pooling pooling = Pooling.CLASS_TOKEN;
    private double eps = 1e-6;

    /** For JSON. */
    protected TokenPooling() {
    }

    protected TokenPooling(Builder b) {
        super(b);
        this.pooling = b.pooling;
        this.eps = b.eps;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addBiasParam("lng", 1, width);
        params.addBiasParam("lnb", 1, width);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        TransformerOps.fill(params, 1.0, "lng");
        TransformerOps.fill(params, 0.0, "lnb");
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable normed = TransformerOps.layerNorm(x.reshape(-1, width), p.get("lng"), p.get("lnb"), eps)
                .reshape(-1, tokens, width);
        if (pooling == Pooling.CLASS_TOKEN) {
            return normed.get(SDIndex.all(), SDIndex.point(0), SDIndex.all());
        }
        return normed.get(SDIndex.all(), SDIndex.interval(1L, tokens), SDIndex.all()).mean(1);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeRecurrent r = readTokens(inputType);
        if (pooling == Pooling.MEAN && r.getTimeSeriesLength() < 2) {
            throw new IllegalArgumentException("TokenPooling (layer '" + getLayerName()
                    + "'): mean pooling needs patch tokens after the class token, got " + r.getTimeSeriesLength() + " token(s)");
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(TokenTypes.requireTokens(inputType, "TokenPooling", getLayerName()).getSize());
    }

    public Pooling getPooling() { return pooling; }

    public void setPooling(Pooling pooling) { this.pooling = pooling; }

    public double getEps() { return eps; }

    public void setEps(double eps) { this.eps = eps; }

    /** Builder: pooling (default the class token), LayerNorm eps (default 1e-6). */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private Pooling pooling = Pooling.CLASS_TOKEN;
        private double eps = 1e-6;

        public Builder pooling(Pooling pooling) {
            this.pooling = java.util.Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        public Builder eps(double eps) {
            this.eps = Checks.positive("TokenPooling LayerNorm eps", eps);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TokenPooling build() { return new TokenPooling(this); }
    }
}
