package io.github.dl4jssl.layers.vit;

import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * A {@link TokenLayer} that reads a token sequence [B, N, D] of fixed N and D, both taken from the input type:
 * the shared size bookkeeping and input check of {@link TransformerEncoderBlock} and {@link TokenPooling}.
 */
public abstract class TokenSequenceLayer extends TokenLayer {

    /** Token width D (set from the input type). */
    protected long width;
    /** Number of tokens N (set from the input type). */
    protected long tokens;

    protected TokenSequenceLayer() {
    }

    protected TokenSequenceLayer(SameDiffLayer.Builder<?> b) {
        super(b);
    }

    /** Checks the input type is a token sequence and records its N and D; returns it. */
    protected InputType.InputTypeRecurrent readTokens(InputType inputType) {
        InputType.InputTypeRecurrent r = TokenTypes.requireTokens(inputType, getClass().getSimpleName(), getLayerName());
        width = r.getSize();
        tokens = r.getTimeSeriesLength();
        return r;
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 3 || input.size(1) != tokens || input.size(2) != width) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') expects tokens [B, " + tokens + ", " + width + "], got " + Arrays.toString(input.shape()));
        }
    }

    public long getWidth() { return width; }

    public void setWidth(long width) { this.width = width; }

    public long getTokens() { return tokens; }

    public void setTokens(long tokens) { this.tokens = tokens; }
}
