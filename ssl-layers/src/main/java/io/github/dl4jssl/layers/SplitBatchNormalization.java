package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.SplitBatchNormalizationImpl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation whose training-mode statistics are computed over G sub-batches separately: the
 * "shuffling BN" of MoCo (He, Fan, Wu, Xie, Girshick, "Momentum Contrast for Unsupervised Visual
 * Representation Learning", CVPR 2020, section 3.3) emulated on one device, as the {@code SplitBatchNorm} of
 * MoCo's single-GPU demo: the batch of B rows is cut into G groups of B/G contiguous rows (B divisible by G) and
 * each group is normalised with its own mean and (biased) variance, per channel:
 * <pre>
 *   y = gamma * (x - mean_g) / sqrt(var_g + eps) + beta
 * </pre>
 * Input: CNN activations [B, C, H, W] (NCHW only) or feed-forward [B, C]; output of the same shape.
 *
 * <p><b>Parameters</b> carry the names and shapes of DL4J's {@link BatchNormalization} ([C] each):
 * {@code gamma}, {@code beta} (absent with {@code lockGammaBeta}), {@code mean} and {@code log10stdev}
 * ({@code useLogStd}, DL4J's default) or {@code var}, so that the layer can replace a BatchNormalization of
 * a momentum target and {@code EmaTargetListener} pairs it with the online BatchNormalization unchanged. The
 * running statistics get {@code Sgd(0)} and no regularization: the optimizer never changes them.</p>
 *
 * <p><b>Training vs inference.</b> DL4J's SameDiff layers run one SameDiff graph whatever the training flag,
 * so the runtime layer ({@link SplitBatchNormalizationImpl}) branches in Java: {@code activate(training = true)} runs the SameDiff
 * graph above; its backward pass is written out in ND4J (see {@link SplitBatchNormalizationImpl#backpropGradient}: SameDiff's came out
 * twice too large in DL4J 1.0.0-M2.1) and verified by a double-precision gradient check; {@code activate(training = false)} normalises with the running
 * statistics in plain ND4J, {@code (x - mean) / sqrt(var + eps)} like DL4J's BatchNormalization. As in DL4J's
 * BatchNormalization the running statistics are updated in the backward pass (so a frozen copy, e.g. inside
 * a {@code TrainModeFrozenLayer}, keeps them): {@code mean <- decay * mean + (1 - decay) * avg_g mean_g},
 * likewise the variance with the average of the group variances.</p>
 */
public class SplitBatchNormalization extends SameDiffLayer {

    public static final String GAMMA = BatchNormalizationParamInitializer.GAMMA;
    public static final String BETA = BatchNormalizationParamInitializer.BETA;
    public static final String MEAN = BatchNormalizationParamInitializer.GLOBAL_MEAN;
    public static final String VAR = BatchNormalizationParamInitializer.GLOBAL_VAR;
    public static final String LOG_STD = BatchNormalizationParamInitializer.GLOBAL_LOG_STD;

    private int groups = 2;
    private long nOut;
    /** Spatial size of CNN input (0 for feed-forward input). */
    private long height;
    private long width;
    private double decay = 0.9;
    private double eps = 1e-5;
    private boolean useLogStd = true;
    private boolean lockGammaBeta;
    private double gamma = 1.0;
    private double beta = 0.0;

    /** For JSON. */
    protected SplitBatchNormalization() {
    }

    protected SplitBatchNormalization(Builder b) {
        super(b);
        this.groups = b.groups;
        this.nOut = b.nOut;
        this.decay = b.decay;
        this.eps = b.eps;
        this.useLogStd = b.useLogStd;
        this.lockGammaBeta = b.lockGammaBeta;
        this.gamma = b.gamma;
        this.beta = b.beta;
    }

    /**
     * A SplitBatchNormalization with the settings of a DL4J BatchNormalization (decay, eps, useLogStd,
     * lockGammaBeta and its constants, nOut, name) and {@code groups} groups.
     *
     * @throws IllegalArgumentException for an NHWC BatchNormalization (only NCHW is supported)
     */
    public static SplitBatchNormalization from(BatchNormalization bn, int groups) {
        if (bn.getCnn2DFormat() != null && bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("SplitBatchNormalization supports NCHW only; BatchNormalization '"
                    + bn.getLayerName() + "' uses " + bn.getCnn2DFormat());
        }
        return new Builder().name(bn.getLayerName()).groups(groups).nOut(bn.getNOut()).decay(bn.getDecay())
                .eps(bn.getEps()).useLogStd(bn.isUseLogStd()).lockGammaBeta(bn.isLockGammaBeta())
                .gamma(bn.getGamma()).beta(bn.getBeta()).build();
    }

    /** The parameter of the running variance: {@code log10stdev} with {@code useLogStd}, else {@code var}. */
    public String runningStatName() { return useLogStd ? LOG_STD : VAR; }

    private boolean isRunningStat(String param) {
        return MEAN.equals(param) || VAR.equals(param) || LOG_STD.equals(param);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (!lockGammaBeta) {
            params.addWeightParam(GAMMA, nOut);
            params.addWeightParam(BETA, nOut);
        }
        params.addWeightParam(MEAN, nOut);
        params.addWeightParam(runningStatName(), nOut);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            switch (e.getKey()) {
                case GAMMA:
                    e.getValue().assign(gamma);
                    break;
                case VAR:
                    e.getValue().assign(1.0);
                    break;
                default:     // beta, mean, log10stdev (log10 of std 1)
                    e.getValue().assign(BETA.equals(e.getKey()) ? beta : 0.0);
            }
        }
    }

    /** The running statistics get {@code Sgd(0)}: only the layer's backward pass (or an EMA) changes them. */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (isRunningStat(paramName)) {
            return new Sgd(0.0);
        }
        return super.getUpdaterByParam(paramName);
    }

    /** No weight decay or L1/L2 on the running statistics (nor on gamma/beta, as for DL4J's BatchNormalization). */
    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return Collections.emptyList();
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        boolean cnn = height > 0;
        long[] grouped = cnn ? new long[] {groups, -1, nOut, height, width} : new long[] {groups, -1, nOut};
        long[] channel = cnn ? new long[] {1, 1, nOut, 1, 1} : new long[] {1, 1, nOut};
        int[] axes = cnn ? new int[] {1, 3, 4} : new int[] {1};
        SDVariable xs = x.reshape(grouped);
        SDVariable mean = xs.mean(true, axes);
        SDVariable centred = xs.sub(mean);
        SDVariable var = centred.mul(centred).mean(true, axes);
        SDVariable y = centred.div(sd.math.sqrt(var.add(eps)));
        if (lockGammaBeta) {
            y = y.mul(gamma).add(beta);
        } else {
            y = y.mul(params.get(GAMMA).reshape(channel)).add(params.get(BETA).reshape(channel));
        }
        return y.reshape(cnn ? new long[] {-1, nOut, height, width} : new long[] {-1, nOut});
    }

    @Override
    public void validateInput(INDArray input) {
        boolean cnn = height > 0;
        if (input.rank() != (cnn ? 4 : 2) || input.size(1) != nOut
                || (cnn && (input.size(2) != height || input.size(3) != width))) {
            throw new IllegalArgumentException("SplitBatchNormalization (layer '" + getLayerName() + "') expects input of shape "
                    + (cnn ? "[B, " + nOut + ", " + height + ", " + width + "] (NCHW)" : "[B, " + nOut + "]")
                    + ", got " + Arrays.toString(input.shape()));
        }
        if (input.size(0) % groups != 0) {
            throw new IllegalArgumentException("SplitBatchNormalization (layer '" + getLayerName() + "'): a batch of "
                    + input.size(0) + " rows does not split into " + groups + " equal groups; use a batch size divisible by " + groups);
        }
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType.getType() == InputType.Type.CNN) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
            if (c.getFormat() != CNN2DFormat.NCHW) {
                throw new IllegalArgumentException("SplitBatchNormalization (layer '" + getLayerName() + "') supports NCHW only, got " + inputType);
            }
            if (nOut <= 0 || override) {
                nOut = c.getChannels();
            }
            height = c.getHeight();
            width = c.getWidth();
        } else if (inputType.getType() == InputType.Type.FF) {
            if (nOut <= 0 || override) {
                nOut = ((InputType.InputTypeFeedForward) inputType).getSize();
            }
            height = 0;
            width = 0;
        } else {
            throw new IllegalArgumentException("SplitBatchNormalization (layer '" + getLayerName()
                    + "') expects CNN [B, C, H, W] or feed-forward [B, C] input, got " + inputType);
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) { return null; }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType.getType() != InputType.Type.CNN && inputType.getType() != InputType.Type.FF) {
            throw new IllegalArgumentException("SplitBatchNormalization (layer '" + getLayerName()
                    + "') expects CNN or feed-forward input, got " + inputType);
        }
        return inputType;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new SplitBatchNormalizationImpl(conf, networkDataType), conf, initializer(), trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    /**
     * Plain-ND4J per-group statistics of an input batch, averaged over the groups: {@code [mean, var]}, each [C].
     * The variance is the biased (1/n) one used for normalisation.
     */
    public INDArray[] averageGroupStatistics(INDArray x) {
        long b = x.size(0);
        INDArray xs = height > 0 ? x.reshape('c', groups, b / groups, nOut, height, width) : x.reshape('c', groups, b / groups, nOut);
        int[] axes = height > 0 ? new int[] {1, 3, 4} : new int[] {1};
        INDArray groupMean = xs.mean(true, axes);                       // [G, 1, C, (1, 1)]
        INDArray centred = xs.sub(groupMean);                           // broadcast via the kept dims
        INDArray groupVar = centred.muli(centred).mean(true, axes);
        return new INDArray[] {groupMean.reshape(groups, nOut).mean(0), groupVar.reshape(groups, nOut).mean(0)};
    }

    public int getGroups() { return groups; }

    public void setGroups(int groups) { this.groups = groups; }

    public long getNOut() { return nOut; }

    public void setNOut(long nOut) { this.nOut = nOut; }

    public long getHeight() { return height; }

    public void setHeight(long height) { this.height = height; }

    public long getWidth() { return width; }

    public void setWidth(long width) { this.width = width; }

    public double getDecay() { return decay; }

    public void setDecay(double decay) { this.decay = decay; }

    public double getEps() { return eps; }

    public void setEps(double eps) { this.eps = eps; }

    public boolean isUseLogStd() { return useLogStd; }

    public void setUseLogStd(boolean useLogStd) { this.useLogStd = useLogStd; }

    public boolean isLockGammaBeta() { return lockGammaBeta; }

    public void setLockGammaBeta(boolean lockGammaBeta) { this.lockGammaBeta = lockGammaBeta; }

    public double getGamma() { return gamma; }

    public void setGamma(double gamma) { this.gamma = gamma; }

    public double getBeta() { return beta; }

    public void setBeta(double beta) { this.beta = beta; }

    /** Builder in DL4J style; defaults: 2 groups, DL4J BatchNormalization's decay 0.9, eps 1e-5, log10 std. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int groups = 2;
        private long nOut;
        private double decay = 0.9;
        private double eps = 1e-5;
        private boolean useLogStd = true;
        private boolean lockGammaBeta;
        private double gamma = 1.0;
        private double beta = 0.0;

        /** Number G &gt;= 1 of sub-batches (MoCo: one per GPU, 8); the batch size must be divisible by G. */
        public Builder groups(int groups) {
            this.groups = Checks.atLeast("SplitBatchNormalization groups", groups, 1);
            return this;
        }

        /** Number of channels (inferred from the input type if not set). */
        public Builder nOut(long nOut) { this.nOut = nOut; return this; }

        /** Running statistics: {@code stat <- decay * stat + (1 - decay) * batch stat}. */
        public Builder decay(double decay) {
            this.decay = Checks.unitInterval("SplitBatchNormalization decay", decay);
            return this;
        }

        public Builder eps(double eps) {
            this.eps = Checks.nonNegative("SplitBatchNormalization eps", eps);
            return this;
        }

        /** Store the running variance as log10(std) ({@code log10stdev}, DL4J's default) or as {@code var}. */
        public Builder useLogStd(boolean useLogStd) { this.useLogStd = useLogStd; return this; }

        /** Fixed gamma and beta (no parameters). */
        public Builder lockGammaBeta(boolean lockGammaBeta) { this.lockGammaBeta = lockGammaBeta; return this; }

        /** Initial (or, with lockGammaBeta, fixed) gamma. */
        public Builder gamma(double gamma) { this.gamma = gamma; return this; }

        /** Initial (or, with lockGammaBeta, fixed) beta. */
        public Builder beta(double beta) { this.beta = beta; return this; }

        @Override
        @SuppressWarnings("unchecked")
        public SplitBatchNormalization build() { return new SplitBatchNormalization(this); }
    }
}
