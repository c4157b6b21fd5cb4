package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeConvBnRelu;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of {@link NativeConvBnRelu}, in the order of a convolution without bias followed by a batch norm:
 * {@code W} [nOut, nIn, kH, kW] (DL4J's convolution initialisation), then {@code gamma} (1), {@code beta} (0),
 * {@code mean} (0) and {@code log10stdev} (0) or {@code var} (1), each [1, nOut] as in DL4J's batch norm. The flattened
 * vector is therefore that of the two layers one after the other.
 */
public final class ConvBnReluParamInitializer implements ParamInitializer {

    private static final ConvBnReluParamInitializer INSTANCE = new ConvBnReluParamInitializer();

    public static ConvBnReluParamInitializer getInstance() {
        return INSTANCE;
    }

    private ConvBnReluParamInitializer() {
    }

    private static NativeConvBnRelu layer(Layer l) {
        return (NativeConvBnRelu) l;
    }

    /** Number of values of W. */
    static long weights(NativeConvBnRelu l) {
        int[] k = l.getKernelSize();
        return l.getNIn() * l.getNOut() * k[0] * k[1];
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer l) {
        return weights(layer(l)) + 4 * layer(l).getNOut();
    }

    private static String varianceKey(NativeConvBnRelu l) {
        return l.isUseLogStd() ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD : BatchNormalizationParamInitializer.GLOBAL_VAR;
    }

    @Override
    public List<String> paramKeys(Layer l) {
        return List.of(ConvolutionParamInitializer.WEIGHT_KEY, BatchNormalizationParamInitializer.GAMMA,
                BatchNormalizationParamInitializer.BETA, BatchNormalizationParamInitializer.GLOBAL_MEAN, varianceKey(layer(l)));
    }

    @Override
    public List<String> weightKeys(Layer l) {
        return Collections.singletonList(ConvolutionParamInitializer.WEIGHT_KEY);
    }

    @Override
    public List<String> biasKeys(Layer l) {
        return Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer l, String key) {
        return ConvolutionParamInitializer.WEIGHT_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer l, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        NativeConvBnRelu l = layer(conf.getLayer());
        checkLength(l, paramsView, "parameter");
        long w = weights(l);
        Map<String, INDArray> params = new LinkedHashMap<>(ConvolutionParamInitializer.getInstance()
                .init(conf, slice(paramsView, 0, w), initializeParams));
        Map<String, INDArray> bn = batchNormViews(l, paramsView);
        double[] initial = {1.0, 0.0, 0.0, l.isUseLogStd() ? 0.0 : 1.0};
        int i = 0;
        for (Map.Entry<String, INDArray> e : bn.entrySet()) {
            if (initializeParams) {
                e.getValue().assign(initial[i]);
            }
            i++;
            conf.addVariable(e.getKey());
        }
        params.putAll(bn);
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        NativeConvBnRelu l = layer(conf.getLayer());
        checkLength(l, gradientView, "gradient");
        long w = weights(l);
        Map<String, INDArray> grads = new LinkedHashMap<>(ConvolutionParamInitializer.getInstance()
                .getGradientsFromFlattened(conf, slice(gradientView, 0, w)));
        grads.putAll(batchNormViews(l, gradientView));
        return grads;
    }

    /** The [1, nOut] views of gamma, beta, mean and the variance (in that order) after W in a parameter or gradient view. */
    private Map<String, INDArray> batchNormViews(NativeConvBnRelu l, INDArray view) {
        long w = weights(l);
        long c = l.getNOut();
        Map<String, INDArray> views = new LinkedHashMap<>();
        List<String> keys = paramKeys(l).subList(1, 5);
        for (int i = 0; i < keys.size(); i++) {
            views.put(keys.get(i), slice(view, w + i * c, w + (i + 1) * c));
        }
        return views;
    }

    /**
     * Whether {@code paramName} is one of the batch norm's running statistics, which DL4J's updater applies as they
     * are: no updater of their own, not divided by the minibatch size.
     */
    public static boolean isRunningStatistic(String paramName) {
        return BatchNormalizationParamInitializer.GLOBAL_MEAN.equals(paramName)
                || BatchNormalizationParamInitializer.GLOBAL_VAR.equals(paramName)
                || BatchNormalizationParamInitializer.GLOBAL_LOG_STD.equals(paramName);
    }

    /**
     * Values [from, to) of a contiguous [1, n] (or [n]) view, as a [1, to - from] view (through a rank-1 view: no
     * one-element interval, which ND4J 1.0.0-M2.1 can read past its end).
     */
    static INDArray slice(INDArray view, long from, long to) {
        return view.reshape(view.length()).get(NDArrayIndex.interval(from, to)).reshape(1, to - from);
    }

    private void checkLength(NativeConvBnRelu l, INDArray view, String what) {
        if (view.length() != numParams(l)) {
            throw new IllegalStateException("NativeConvBnRelu " + l.getLayerName() + ": expected a " + what
                    + " view of " + numParams(l) + " values, got " + view.length());
        }
    }
}
