package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * DL4J's "gradients" of a batch norm's running statistics, which the updater (plain subtraction for these parameters)
 * applies: mean -= (1 - d)(mean - batchMean); log10std -= log10(std_t / std_{t+1}) with
 * var_{t+1} = d var_t + (1 - d) batchVar (or var -= (1 - d)(var - batchVar) without useLogStd). Shared by
 * {@link NativeBatchNormalizationImpl} and {@link NativeConvBnReluImpl}.
 */
final class RunningStatistics {

    private static final double ONE_ON_2LOGE_10 = 1.0 / (2.0 * Math.log(10.0));

    private RunningStatistics() {
    }

    private static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }

    /** Running variance from the stored parameter: (10^log10std)^2, or the variance itself. */
    static INDArray variance(INDArray stored, boolean useLogStd) {
        if (useLogStd) {
            INDArray var = Transforms.pow(Nd4j.valueArrayOf(stored.shape(), 10.0, stored.dataType()), stored, false);
            return var.muli(var);
        }
        return stored;
    }

    /**
     * Writes the running statistics' gradients into {@code gradientViews} and registers them in {@code gradient}.
     * {@code params}: the layer's parameter table (mean and log10stdev or var).
     */
    static void update(Gradient gradient, Map<String, INDArray> params, Map<String, INDArray> gradientViews,
                       double decay, boolean useLogStd, INDArray batchMean, INDArray batchVar) {
        INDArray globalMean = params.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray dGlobalMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        vector(dGlobalMean).assign(vector(globalMean).sub(batchMean).muli(1 - decay));
        gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, dGlobalMean);
        if (useLogStd) {
            INDArray dLog10Std = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            INDArray vari = vector(variance(params.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD), true));
            INDArray varip1 = vari.mul(decay).addi(batchVar.mul(1 - decay));
            INDArray update = Transforms.log(vari.divi(varip1), false).muli(ONE_ON_2LOGE_10);
            vector(dLog10Std).assign(update);
            gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_LOG_STD, dLog10Std);
        } else {
            INDArray dGlobalVar = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
            INDArray globalVar = params.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
            vector(dGlobalVar).assign(vector(globalVar).sub(batchVar).muli(1 - decay));
            gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_VAR, dGlobalVar);
        }
    }
}
