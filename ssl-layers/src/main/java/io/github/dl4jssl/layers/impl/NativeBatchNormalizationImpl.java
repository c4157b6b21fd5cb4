package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The runtime layer of {@link io.github.dl4jssl.layers.NativeBatchNormalization}: for rank-4 input with learned
 * gamma and beta, the forward pass is libnd4j's {@code batchnorm} (training mode: with the batch mean and biased
 * variance over all axes but the channel axis, as DL4J), the backward pass {@code batchnorm_bp}, which
 * differentiates through the batch statistics. The running mean and log10 standard deviation (or variance)
 * "gradients" are DL4J's (see DL4J's BatchNormalization: the updater subtracts them). Other inputs and
 * {@code lockGammaBeta} take DL4J's own code.
 */
public class NativeBatchNormalizationImpl extends BatchNormalization {

    private static final double ONE_ON_2LOGE_10 = 1.0 / (2.0 * Math.log(10.0));

    /** Batch statistics of the last native training forward pass (outside workspaces); null after DL4J's path. */
    private INDArray batchMean;
    private INDArray batchVar;

    public NativeBatchNormalizationImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public LayerHelper getHelper() {
        return null;
    }

    private boolean nativePath(INDArray x) {
        return x.rank() == 4 && !layerConf().isLockGammaBeta();
    }

    private int channelAxis() {
        return layerConf().getCnn2DFormat() == CNN2DFormat.NHWC ? 3 : 1;
    }

    private int[] reductionAxes() {
        return channelAxis() == 1 ? new int[]{0, 2, 3} : new int[]{0, 1, 2};
    }

    private static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }

    /** Running variance from the stored parameter: (10^log10std)^2 or the variance itself. */
    private INDArray globalVariance() {
        if (layerConf().isUseLogStd()) {
            INDArray log10s = getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            INDArray var = Transforms.pow(Nd4j.valueArrayOf(log10s.shape(), 10.0, dataType), log10s, false);
            return var.muli(var);
        }
        return getParam(BatchNormalizationParamInitializer.GLOBAL_VAR);
    }

    @Override
    public INDArray preOutput(INDArray x, TrainingMode training, LayerWorkspaceMgr workspaceMgr) {
        batchMean = null;
        batchVar = null;
        if (!nativePath(x)) {
            return super.preOutput(x, training, workspaceMgr);
        }
        int ch = channelAxis();
        if (x.size(ch) != layerConf().getNOut()) {
            throw new IllegalArgumentException("input.size(" + ch + ") does not match expected input size of "
                    + layerConf().getNOut() + " - got input array with shape " + java.util.Arrays.toString(x.shape())
                    + " " + layerId());
        }
        x = x.castTo(dataType);
        INDArray mean;
        INDArray var;
        if (training == TrainingMode.TRAIN) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                batchMean = x.mean(reductionAxes());
                batchVar = x.var(false, reductionAxes());
            }
            mean = batchMean;
            var = batchVar;
        } else {
            mean = vector(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
            var = vector(globalVariance());
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, mean, var, vector(getParam(BatchNormalizationParamInitializer.GAMMA)),
                        vector(getParam(BatchNormalizationParamInitializer.BETA)))
                .addOutputs(out)
                .addIntegerArguments(1, 1, ch)
                .addFloatingPointArguments(layerConf().getEps())
                .build());
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (batchMean == null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray x = input.castTo(dataType);
        if (epsilon.dataType() != dataType) {
            epsilon = epsilon.castTo(dataType);
        }
        long c = batchMean.length();
        INDArray dGamma = gradientViews.get(BatchNormalizationParamInitializer.GAMMA);
        INDArray dBeta = gradientViews.get(BatchNormalizationParamInitializer.BETA);
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray dMean = Nd4j.createUninitialized(dataType, c);
        INDArray dVar = Nd4j.createUninitialized(dataType, c);
        Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp")
                .addInputs(x, batchMean, batchVar, vector(getParam(BatchNormalizationParamInitializer.GAMMA)),
                        vector(getParam(BatchNormalizationParamInitializer.BETA)), epsilon)
                .addOutputs(epsNext, dMean, dVar, vector(dGamma), vector(dBeta))
                .addIntegerArguments(1, 1, channelAxis())
                .addFloatingPointArguments(layerConf().getEps())
                .build());

        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGamma);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBeta);
        runningStatisticsUpdate(gradient);
        batchMean = null;
        batchVar = null;
        return new Pair<>(gradient, epsNext);
    }

    /**
     * DL4J's "gradients" of the running statistics, which the updater (plain subtraction for these parameters)
     * applies: mean -= (1 - d)(mean - batchMean); log10std -= log10(std_t / std_{t+1}) with
     * var_{t+1} = d var_t + (1 - d) batchVar (or var -= (1 - d)(var - batchVar) without useLogStd).
     */
    private void runningStatisticsUpdate(Gradient gradient) {
        double decay = layerConf().getDecay();
        INDArray globalMean = getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray dGlobalMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        vector(dGlobalMean).assign(vector(globalMean).sub(batchMean).muli(1 - decay));
        gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, dGlobalMean);
        if (layerConf().isUseLogStd()) {
            INDArray dLog10Std = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            INDArray vari = vector(globalVariance());
            INDArray varip1 = vari.mul(decay).addi(batchVar.mul(1 - decay));
            INDArray update = Transforms.log(vari.divi(varip1), false).muli(ONE_ON_2LOGE_10);
            vector(dLog10Std).assign(update);
            gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_LOG_STD, dLog10Std);
        } else {
            INDArray dGlobalVar = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
            INDArray globalVar = getParam(BatchNormalizationParamInitializer.GLOBAL_VAR);
            vector(dGlobalVar).assign(vector(globalVar).sub(batchVar).muli(1 - decay));
            gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_VAR, dGlobalVar);
        }
    }
}
