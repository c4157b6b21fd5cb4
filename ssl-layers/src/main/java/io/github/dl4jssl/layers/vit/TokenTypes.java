package io.github.dl4jssl.layers.vit;

import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;

/** The token-sequence input type [B, T, D] (recurrent, NWC) that the ViT layers pass between each other. */
final class TokenTypes {

    private TokenTypes() {
    }

    /** The input type as a token sequence, or an error naming the layer and what it expects. */
    static InputType.InputTypeRecurrent requireTokens(InputType inputType, String layerClass, String layerName) {
        if (inputType.getType() != InputType.Type.RNN
                || ((InputType.InputTypeRecurrent) inputType).getFormat() != RNNFormat.NWC
                || ((InputType.InputTypeRecurrent) inputType).getTimeSeriesLength() <= 0) {
            throw new IllegalArgumentException(layerClass + " (layer '" + layerName + "') expects tokens [B, T, D] "
                    + "(InputType.recurrent(D, T, RNNFormat.NWC), e.g. from a PatchEmbedding), got " + inputType);
        }
        return (InputType.InputTypeRecurrent) inputType;
    }
}
