package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeConvBnRelu;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.List;

/**
 * The runtime layer of {@link NativeConvBnRelu}.
 * <ul>
 *   <li>Float NCHW training with oneDNN (no dropout, no weight noise): {@link OneDnnConvBnRelu}, the convolution,
 *   batch norm with batch statistics and ReLU as one chain of oneDNN primitives in its channel-blocked layout.</li>
 *   <li>Everything else (double precision, NHWC, inference with the running statistics, dropout or weight noise, no
 *   oneDNN): the three native layers' own code, {@link NativeConvolutionLayerImpl}, {@link NativeBatchNormalizationImpl}
 *   and {@link NativeActivationLayerImpl}, run one after the other on views of this layer's parameters and
 *   gradients.</li>
 * </ul>
 * Both give the running statistics' DL4J "gradients" ({@link RunningStatistics}).
 */
public class NativeConvBnReluImpl extends BaseLayer<NativeConvBnRelu> {

    /** The three layers on views of this layer's parameters and gradients (built on first use). */
    private Layer conv;
    private Layer bn;
    private Layer relu;
    private INDArray innerParams;
    private INDArray innerGradients;

    /** The last training forward pass through the chain, or null. */
    private ChainPass chainPass;

    private record ChainPass(OneDnnConvBnRelu chain, INDArray x, INDArray scaleShift, OneDnnConvBnRelu.Saved saved) {
    }

    private final OneDnnCache<OneDnnConvolution.Geometry, OneDnnConvBnRelu> chains =
            new OneDnnCache<>(g -> new OneDnnConvBnRelu(g, layerConf().getEps()));

    public NativeConvBnReluImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        if (conv != null) {
            conv.clearNoiseWeightParams();
        }
    }

    /**
     * The three layers on views of this layer's parameters, (re)built when the parameter array changed; their gradient
     * views follow this layer's ({@link #setBackpropGradientsViewArray}), which DL4J may set between a forward and a
     * backward pass.
     */
    private void inner() {
        if (conv != null && innerParams == paramsFlattened) {
            if (innerGradients != gradientsFlattened) {
                innerGradientViews();
            }
            return;
        }
        NativeConvBnRelu c = layerConf();
        long w = ConvBnReluParamInitializer.weights(c);
        conv = instantiate(c.convolution(), ConvBnReluParamInitializer.slice(paramsFlattened, 0, w));
        bn = instantiate(c.batchNormalization(), ConvBnReluParamInitializer.slice(paramsFlattened, w, numParams()));
        relu = instantiate(new io.github.dl4jssl.layers.NativeActivationLayer(
                org.nd4j.linalg.activations.Activation.RELU), null);
        innerParams = paramsFlattened;
        innerGradientViews();
    }

    private void innerGradientViews() {
        innerGradients = gradientsFlattened;
        if (gradientsFlattened != null) {
            long w = ConvBnReluParamInitializer.weights(layerConf());
            conv.setBackpropGradientsViewArray(ConvBnReluParamInitializer.slice(gradientsFlattened, 0, w));
            bn.setBackpropGradientsViewArray(ConvBnReluParamInitializer.slice(gradientsFlattened, w, numParams()));
        }
    }

    private Layer instantiate(org.deeplearning4j.nn.conf.layers.Layer layer, INDArray params) {
        NeuralNetConfiguration c = conf.clone();
        c.setLayer(layer);
        c.clearVariables();
        return layer.instantiate(c, Collections.emptyList(), getIndex(), params, false, dataType);
    }

    private boolean nchw() {
        return layerConf().getCnn2dDataFormat() != CNN2DFormat.NHWC;
    }

    /** The chain for a training pass on x, or null where the three layers' code runs. */
    private OneDnnConvBnRelu chain(INDArray x) {
        NativeConvBnRelu c = layerConf();
        if (!OneDnn.enabled() || dataType != DataType.FLOAT || !nchw() || x.rank() != 4
                || c.getIDropout() != null || c.getWeightNoise() != null) {
            return null;
        }
        int[] out = NativeConvolutionLayerImpl.outputSize(c, x);
        int[] pad = NativeConvolutionLayerImpl.padding(c, (int) x.size(2), (int) x.size(3), out[0], out[1]);
        OneDnnConvolution.Geometry g = OneDnnConvolution.Geometry.of(x.size(0), x.size(1), x.size(2), x.size(3),
                c.getNOut(), out[0], out[1], c.getKernelSize(), c.getStride(), c.getDilation(), pad, false);
        return g.consistent() && x.size(1) == c.getNIn() ? chains.get(g) : null;
    }

    /** Whether a training pass on x runs through the oneDNN chain (for tests). */
    boolean usesChain(INDArray x) {
        return chain(x.castTo(dataType)) != null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        chainPass = null;
        INDArray x = input.castTo(dataType);
        OneDnnConvBnRelu chain = training ? chain(x) : null;
        if (chain == null) {
            inner();
            INDArray z = conv.activate(input, training, workspaceMgr);
            return relu.activate(bn.activate(z, training, workspaceMgr), training, workspaceMgr);
        }
        NativeConvBnRelu c = layerConf();
        long ch = c.getNOut();
        INDArray mean;
        INDArray var;
        INDArray scaleShift;
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            mean = Nd4j.createUninitialized(dataType, ch);
            var = Nd4j.createUninitialized(dataType, ch);
            scaleShift = Nd4j.vstack(getParam(BatchNormalizationParamInitializer.GAMMA),
                    getParam(BatchNormalizationParamInitializer.BETA));
        }
        int[] out = NativeConvolutionLayerImpl.outputSize(c, x);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                new long[]{x.size(0), ch, out[0], out[1]}, 'c');
        OneDnnConvBnRelu.Saved saved = chain.forward(x, getParam(ConvolutionParamInitializer.WEIGHT_KEY), scaleShift,
                y, mean, var, workspaceMgr, ArrayType.ACTIVATIONS);
        chainPass = new ChainPass(chain, x, scaleShift, saved);
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        NativeConvBnRelu c = layerConf();
        Gradient gradient = new DefaultGradient(gradientsFlattened);
        INDArray dx;
        if (chainPass == null) {
            inner();
            Pair<Gradient, INDArray> r = relu.backpropGradient(epsilon, workspaceMgr);
            Pair<Gradient, INDArray> b = bn.backpropGradient(r.getSecond(), workspaceMgr);
            Pair<Gradient, INDArray> v = conv.backpropGradient(b.getSecond(), workspaceMgr);
            dx = v.getSecond();
            // the three layers wrote into views of this layer's gradient array
            for (String key : ConvBnReluParamInitializer.getInstance().paramKeys(c)) {
                gradient.setGradientFor(key, gradientViews.get(key));
            }
        } else {
            ChainPass p = chainPass;
            INDArray eps = epsilon.dataType() == dataType ? epsilon : epsilon.castTo(dataType);
            dx = c.isInputGradient()
                    ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, p.x().shape(), 'c') : null;
            INDArray dScaleShift = Nd4j.createUninitialized(dataType, 2, c.getNOut());
            INDArray dW = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
            p.chain().backward(p.x(), getParam(ConvolutionParamInitializer.WEIGHT_KEY), p.scaleShift(), p.saved(),
                    eps, dx, dW, dScaleShift, workspaceMgr);
            gradientViews.get(BatchNormalizationParamInitializer.GAMMA).assign(dScaleShift.getRow(0).reshape(1, c.getNOut()));
            gradientViews.get(BatchNormalizationParamInitializer.BETA).assign(dScaleShift.getRow(1).reshape(1, c.getNOut()));
            gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, dW);
            gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, gradientViews.get(BatchNormalizationParamInitializer.GAMMA));
            gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, gradientViews.get(BatchNormalizationParamInitializer.BETA));
            RunningStatistics.update(gradient, paramTable(), gradientViews, c.getDecay(), c.isUseLogStd(),
                    p.saved().mean(), p.saved().variance());
            chainPass = null;
        }
        return new Pair<>(gradient, dx);
    }

    @Override
    public void clear() {
        super.clear();
        chainPass = null;
        for (Layer l : new Layer[]{conv, bn, relu}) {
            if (l != null) {
                l.clear();
            }
        }
    }

    @Override
    public INDArray preOutput(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return activate(training, workspaceMgr);
    }

    /** As DL4J's batch norm: the running statistics' "gradients" are updates, not divided by the minibatch size. */
    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !ConvBnReluParamInitializer.isRunningStatistic(paramName);
    }

    @Override
    public boolean hasBias() {
        return false;
    }

    /** The parameter keys in order (for tests). */
    List<String> keys() {
        return ConvBnReluParamInitializer.getInstance().paramKeys(layerConf());
    }
}
