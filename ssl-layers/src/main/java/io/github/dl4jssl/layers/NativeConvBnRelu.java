package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.ConvBnReluParamInitializer;
import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.NativeConvBnReluImpl;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collection;
import java.util.List;

/**
 * A convolution without bias, batch normalisation (Ioffe &amp; Szegedy, ICML 2015) in training or inference mode, and
 * ReLU, as one layer: the conv-BN-ReLU block of ResNet (He et al., CVPR 2016) and of {@code SmallCnn}. It computes
 * exactly what {@link NativeConvolutionLayer} (no bias, identity activation), {@link NativeBatchNormalization} and
 * {@link NativeActivationLayer}({@code RELU}) compute one after the other, with the same parameters in the same order
 * ({@code W}, then {@code gamma, beta, mean, log10stdev} or {@code var}), the same initialisation, the same
 * per-parameter updaters (none for the running statistics) and regularisation (none for the batch norm's
 * parameters), so that the flattened parameters of the block equal those of the three layers.
 *
 * <p>Why: in float training on the CPU it runs the three as one chain of oneDNN primitives whose intermediate arrays
 * stay in oneDNN's channel-blocked layout, where its batch normalisation is several times faster than ours; as
 * separate layers, the reorders to and from DL4J's NCHW arrays cost what that saves (docs/bench/bn-blocked-s22,
 * docs/bench/conv-bn-relu-s22). Everywhere else (double precision, NHWC, inference, dropout or weight noise, no
 * oneDNN) it runs the three native layers' own code.</p>
 *
 * <p>A first layer, whose input is the network's input, can skip its input gradient:
 * {@link Builder#inputGradient(boolean) inputGradient(false)}.</p>
 *
 * <p><b>Shuffle BN.</b> With {@link Builder#batchNormGroups(int) batchNormGroups(G)}, G &gt; 1, the training-mode batch
 * norm computes its statistics over G groups of B/G consecutive images separately, as {@link SplitBatchNormalization}
 * does: the "shuffling BN" of MoCo (He et al., CVPR 2020, section 3.3) emulated on one device, so that MoCo's key
 * encoder can keep its fused blocks. The running statistics move towards the average of the group statistics;
 * gamma's and beta's gradients are summed over the groups. Inference is unchanged.</p>
 */
public class NativeConvBnRelu extends ConvolutionLayer {

    private boolean inputGradient = true;
    private double eps = 1e-5;
    private double decay = 0.9;
    private boolean useLogStd = true;
    private int batchNormGroups = 1;

    /** For JSON. */
    public NativeConvBnRelu() {
        super();
        setActivationFn(new ActivationReLU());
        setHasBias(false);
    }

    protected NativeConvBnRelu(Builder builder) {
        super(builder);
        this.inputGradient = builder.inputGradient;
        this.eps = builder.eps;
        this.decay = builder.decay;
        this.useLogStd = builder.useLogStd;
        this.batchNormGroups = builder.batchNormGroups;
    }

    public boolean isInputGradient() { return inputGradient; }

    public void setInputGradient(boolean inputGradient) { this.inputGradient = inputGradient; }

    /** The batch norm's epsilon, added to the variance. */
    public double getEps() { return eps; }

    public void setEps(double eps) { this.eps = eps; }

    /** The batch norm's running-statistics decay (DL4J's convention: new = decay * old + (1 - decay) * batch). */
    public double getDecay() { return decay; }

    public void setDecay(double decay) { this.decay = decay; }

    /** Whether the running variance is stored as log10 of the standard deviation (DL4J's default). */
    public boolean isUseLogStd() { return useLogStd; }

    public void setUseLogStd(boolean useLogStd) { this.useLogStd = useLogStd; }

    /** The number of groups of consecutive images over which training-mode statistics are computed (1: the whole batch). */
    public int getBatchNormGroups() { return batchNormGroups; }

    public void setBatchNormGroups(int batchNormGroups) { this.batchNormGroups = batchNormGroups; }

    /**
     * A copy of this layer whose batch norm computes its training-mode statistics over {@code groups} groups (MoCo's
     * shuffle BN; the counterpart of {@link SplitBatchNormalization#from}).
     */
    public NativeConvBnRelu withBatchNormGroups(int groups) {
        NativeConvBnRelu copy = clone();
        copy.setBatchNormGroups(groups);
        copy.validate();
        return copy;
    }

    /** The batch norm as {@link NativeBatchNormalization} configures it, for the layer's own code. */
    public NativeBatchNormalization batchNormalization() {
        NativeBatchNormalization bn = (NativeBatchNormalization) new NativeBatchNormalization.Builder()
                .nIn(getNOut()).nOut(getNOut()).eps(eps).decay(decay).useLogStd(useLogStd)
                .dataFormat(getCnn2dDataFormat()).build();
        bn.setLayerName(getLayerName() == null ? null : getLayerName() + "/bn");
        return bn;
    }

    /** The convolution as {@link NativeConvolutionLayer} configures it (no bias, identity activation). */
    public NativeConvolutionLayer convolution() {
        NativeConvolutionLayer conv = (NativeConvolutionLayer) new NativeConvolutionLayer.Builder(getKernelSize())
                .inputGradient(inputGradient).stride(getStride()).padding(getPadding()).dilation(getDilation())
                .convolutionMode(getConvolutionMode()).dataFormat(getCnn2dDataFormat()).nIn(getNIn()).nOut(getNOut())
                .hasBias(false).activation(Activation.IDENTITY).weightInit(getWeightInitFn())
                .dropOut(getIDropout()).weightNoise(getWeightNoise()).build();
        conv.setLayerName(getLayerName() == null ? null : getLayerName() + "/conv");
        return conv;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("NativeConvBnRelu", getLayerName(), layerIndex, getNIn(), getNOut());
        validate();
        return LayerWiring.wire(new NativeConvBnReluImpl(conf, networkDataType), conf, initializer(), trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    private void validate() {
        if (batchNormGroups < 1) {
            throw new IllegalStateException("NativeConvBnRelu " + getLayerName() + ": batchNormGroups must be at least 1"
                    + " (1 = statistics over the whole batch; G > 1 = MoCo's shuffle BN over G groups), got " + batchNormGroups);
        }
        if (hasBias()) {
            throw new IllegalStateException("NativeConvBnRelu " + getLayerName() + " has no convolution bias (the batch"
                    + " norm's beta takes its place): build it with hasBias(false)");
        }
        if (!(getActivationFn() instanceof ActivationReLU)) {
            throw new IllegalStateException("NativeConvBnRelu " + getLayerName() + " always ends with ReLU, got activation "
                    + getActivationFn() + ": leave the activation unset, or use NativeConvolutionLayer,"
                    + " NativeBatchNormalization and an activation layer for another function");
        }
    }

    @Override
    public ParamInitializer initializer() {
        return ConvBnReluParamInitializer.getInstance();
    }

    /** Adam (or whichever updater is configured) for W, gamma and beta; none for the running statistics, as DL4J's batch norm. */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return ConvBnReluParamInitializer.isRunningStatistic(paramName) ? new NoOp() : super.getUpdaterByParam(paramName);
    }

    /** The convolution's regularisation for W; none for the batch norm's parameters, as DL4J's {@link BatchNormalization}. */
    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return ConvolutionParamInitializer.WEIGHT_KEY.equals(paramName) ? super.getRegularizationByParam(paramName) : null;
    }

    @Override
    public NativeConvBnRelu clone() { return (NativeConvBnRelu) super.clone(); }

    @Override
    public boolean equals(Object o) {
        if (o == null || o.getClass() != getClass() || !super.equals(o)) {
            return false;
        }
        NativeConvBnRelu other = (NativeConvBnRelu) o;
        return inputGradient == other.inputGradient && eps == other.eps && decay == other.decay
                && useLogStd == other.useLogStd && batchNormGroups == other.batchNormGroups;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof NativeConvBnRelu;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), 13, inputGradient, eps, decay, useLogStd, batchNormGroups);
    }

    /** DL4J's {@link ConvolutionLayer.Builder} with the batch norm's settings, building a {@link NativeConvBnRelu}. */
    public static class Builder extends ConvolutionLayer.Builder {

        private boolean inputGradient = true;
        private double eps = 1e-5;
        private double decay = 0.9;
        private boolean useLogStd = true;
        private int batchNormGroups = 1;

        public Builder(int... kernelSize) {
            super(kernelSize);
            hasBias(false);
            activation(Activation.RELU);
        }

        /** As {@link NativeConvolutionLayer.Builder#inputGradient}. Call it before DL4J's builder methods. */
        public Builder inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
            return this;
        }

        /** The batch norm's epsilon (default 1e-5, DL4J's). */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** The running statistics' decay (default 0.9, DL4J's). */
        public Builder decay(double decay) {
            this.decay = decay;
            return this;
        }

        /** Store the running variance as log10 of the standard deviation (default true, DL4J's). */
        public Builder useLogStd(boolean useLogStd) {
            this.useLogStd = useLogStd;
            return this;
        }

        /**
         * Training-mode statistics over {@code groups} groups of consecutive images (default 1, the whole batch; G &gt; 1:
         * MoCo's shuffle BN, see the class comment). The batch size must be divisible by it.
         */
        public Builder batchNormGroups(int groups) {
            this.batchNormGroups = groups;
            return this;
        }

        @Override
        public NativeConvBnRelu build() {
            super.build(); // DL4J's own validation of kernel, stride and padding
            NativeConvBnRelu layer = new NativeConvBnRelu(this);
            layer.validate();
            return layer;
        }
    }
}
