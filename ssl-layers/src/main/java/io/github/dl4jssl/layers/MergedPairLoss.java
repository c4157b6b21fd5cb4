package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Base class of the losses that compare two tensors of the same width d for a stacked two-view batch
 * (predictions and targets, queries and keys). DL4J gives a layer a single input array, so the graph joins
 * the two with a {@link org.deeplearning4j.nn.conf.graph.MergeVertex} along the feature dimension:
 * the loss input is {@code merge(a, b)} of shape [2N, 2d], columns {@code [0, d)} hold {@code a} and
 * columns {@code [d, 2d)} hold {@code b}; rows {@code i} and {@code i + N} are the two views of image i.
 *
 * <pre>{@code
 * graph.addVertex("pz", new MergeVertex(), "predictor_fc2", "target_fc2");
 * graph.addLayer("loss", new ByolLoss.Builder().build(), "pz");
 * }</pre>
 */
public abstract class MergedPairLoss extends SslLossLayer {

    protected MergedPairLoss() {
    }

    protected MergedPairLoss(Builder<?> b) {
        super(b);
    }

    /** The width d of each of the two merged tensors: half of {@link #getNIn()}. */
    public long halfWidth() { return nIn / 2; }

    /** Names the two merged tensors in the messages, e.g. "predictions p, targets z". */
    protected abstract String pairDescription();

    @Override
    public void setNIn(InputType inputType, boolean override) {
        super.setNIn(inputType, override);
        if (nIn % 2 != 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') expects merge(" + pairDescription() + ") of two tensors of equal width d, i.e. an even "
                    + "input size 2d, got an odd input size " + nIn + ". Join the two with a MergeVertex.");
        }
    }

    @Override
    public void validateInput(INDArray input) {
        super.validateInput(input);
        if (input.size(1) % 2 != 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') expects merge(" + pairDescription() + ") with an even number of columns 2d, got shape "
                    + Arrays.toString(input.shape()) + ".");
        }
        long rows = input.size(0);
        if (rows % 2 != 0 || rows < 2) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') needs a stacked batch of 2N rows (row i and row i+N are two views of one image), got "
                    + rows + " rows (shape " + Arrays.toString(input.shape()) + ")"
                    + (rows % 2 != 0 ? ": an odd number of rows cannot form pairs of views." : "."));
        }
    }
}
