package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.Checks;
import io.github.dl4jssl.layers.impl.PatchEmbeddingImpl;
import io.github.dl4jssl.layers.impl.TokenLayerImpl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The patch embedding of a Vision Transformer (Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021):
 * the image [B, C, H, W] (NCHW) is cut into non-overlapping p x p patches (a p x p convolution with stride p),
 * each flattened in (channel, row, column) order and projected linearly to a D-dimensional token:
 * output [B, T, D] (recurrent, {@link RNNFormat#NWC}), T = (H / p)(W / p) tokens in row-major patch order.
 *
 * <p><b>Frozen random projection</b> ({@link Builder#frozen(boolean)}): MoCo v3 (Chen, Xie, He, "An Empirical
 * Study of Training Self-Supervised Vision Transformers", ICCV 2021, section 4.2) stabilises ViT training by
 * keeping the patch projection at its random initialisation. A frozen PatchEmbedding keeps its weights fixed:
 * its parameters get {@code Sgd(0)} and no regularization (so neither the optimizer nor weight decay changes
 * them), and its backward pass does no gradient work at all: it returns zero parameter gradients and a zero
 * input gradient without running the SameDiff backward graph (the layer reads the images, nothing upstream
 * needs the gradient). It is meant to be the first layer, as in a ViT.</p>
 *
 * <p>Parameters: {@code W} [C p p, D] (Xavier uniform over fan-in C p p and fan-out D, as MoCo v3's
 * {@code vits.py}) and {@code b} [1, D] (zero).</p>
 */
public class PatchEmbedding extends TokenLayer {

    public static final String WEIGHT = "W";
    public static final String BIAS = "b";

    private int patchSize;
    private long embedDim;
    private boolean frozen;
    private long channels;
    private long height;
    private long width;

    /** For JSON. */
    protected PatchEmbedding() {
    }

    protected PatchEmbedding(Builder b) {
        super(b);
        this.patchSize = b.patchSize;
        this.embedDim = b.embedDim;
        this.frozen = b.frozen;
    }

    /** Number of tokens T = (H / p)(W / p) for the input size set by {@link #setNIn}. */
    public long numPatches() { return (height / patchSize) * (width / patchSize); }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT, channels * patchSize * patchSize, embedDim);
        params.addBiasParam(BIAS, 1, embedDim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        TransformerOps.xavierUniform(params.get(WEIGHT), channels * patchSize * patchSize, embedDim);
        params.get(BIAS).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        long gh = height / patchSize;
        long gw = width / patchSize;
        long patchLength = channels * patchSize * patchSize;
        SDVariable patches = x.reshape(-1, channels, gh, patchSize, gw, patchSize)
                .permute(0, 2, 4, 1, 3, 5)                       // [B, gh, gw, C, p, p]
                .reshape(-1, patchLength);                        // [B T, C p p]
        return TransformerOps.linear(patches, params.get(WEIGHT), params.get(BIAS)).reshape(-1, gh * gw, embedDim);
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != channels || input.size(2) != height || input.size(3) != width) {
            throw new IllegalArgumentException("PatchEmbedding (layer '" + getLayerName() + "') expects images [B, "
                    + channels + ", " + height + ", " + width + "] (NCHW), got " + Arrays.toString(input.shape()));
        }
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional c = images(inputType);
        if (c.getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("PatchEmbedding (layer '" + getLayerName() + "') supports NCHW only, got " + inputType);
        }
        if (c.getHeight() % patchSize != 0 || c.getWidth() % patchSize != 0) {
            throw new IllegalArgumentException("PatchEmbedding (layer '" + getLayerName() + "'): the image size "
                    + c.getHeight() + "x" + c.getWidth() + " is not divisible by the patch size " + patchSize
                    + "; choose a patch size that divides both (e.g. 4 for 28x28 and 32x32, 16 for 224x224)");
        }
        channels = c.getChannels();
        height = c.getHeight();
        width = c.getWidth();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = images(inputType);
        return InputType.recurrent(embedDim, (c.getHeight() / patchSize) * (c.getWidth() / patchSize), RNNFormat.NWC);
    }

    /** {@code inputType} as the image input type it must be. */
    private InputType.InputTypeConvolutional images(InputType inputType) {
        if (inputType.getType() != InputType.Type.CNN) {
            throw new IllegalArgumentException("PatchEmbedding (layer '" + getLayerName()
                    + "') expects convolutional image input (InputType.convolutional(h, w, c)), got " + inputType);
        }
        return (InputType.InputTypeConvolutional) inputType;
    }

    /** Frozen: {@code Sgd(0)}, so the optimizer never moves the random projection. */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return frozen ? new Sgd(0.0) : super.getUpdaterByParam(paramName);
    }

    /** Frozen: no weight decay or L1/L2 either. */
    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return frozen ? Collections.emptyList() : super.getRegularizationByParam(paramName);
    }

    @Override
    protected TokenLayerImpl createImpl(NeuralNetConfiguration conf, DataType networkDataType) {
        return new PatchEmbeddingImpl(conf, networkDataType);
    }

    public int getPatchSize() { return patchSize; }

    public void setPatchSize(int patchSize) { this.patchSize = patchSize; }

    public long getEmbedDim() { return embedDim; }

    public void setEmbedDim(long embedDim) { this.embedDim = embedDim; }

    public boolean isFrozen() { return frozen; }

    public void setFrozen(boolean frozen) { this.frozen = frozen; }

    public long getChannels() { return channels; }

    public void setChannels(long channels) { this.channels = channels; }

    public long getHeight() { return height; }

    public void setHeight(long height) { this.height = height; }

    public long getWidth() { return width; }

    public void setWidth(long width) { this.width = width; }

    /** Builder: patch size p (required, e.g. 4 or 16), embedding width D (required), frozen (default false). */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int patchSize;
        private long embedDim;
        private boolean frozen;

        /** Side p of the square patches; the image height and width must be multiples of p. */
        public Builder patchSize(int patchSize) {
            this.patchSize = Checks.atLeast("PatchEmbedding patchSize", patchSize, 1);
            return this;
        }

        /** Token width D (the transformer's width). */
        public Builder embedDim(long embedDim) {
            this.embedDim = Checks.atLeast("PatchEmbedding embedDim", embedDim, 1);
            return this;
        }

        /** Keep the random projection fixed (MoCo v3's stability fix): no update, no gradient work. */
        public Builder frozen(boolean frozen) { this.frozen = frozen; return this; }

        @Override
        @SuppressWarnings("unchecked")
        public PatchEmbedding build() {
            if (patchSize < 1 || embedDim < 1) {
                throw new IllegalStateException("PatchEmbedding needs patchSize(p) and embedDim(D), got p="
                        + patchSize + ", D=" + embedDim);
            }
            return new PatchEmbedding(this);
        }
    }
}
