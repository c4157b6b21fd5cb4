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
 * Both give the running statistics' DL4J "gradients" ({@link RunningStatistics}). With G &gt; 1 batch-norm groups
 * (MoCo's shuffle BN) the chain runs its batch norm once per group, and the layers' code runs one batch-norm layer per
 * group; either way the running statistics move towards the average of the group statistics, and gamma's and beta's
 * gradients are the sums of the groups'.
 */
public class NativeConvBnReluImpl extends BaseLayer<NativeConvBnRelu> {

    /**
     * The three layers on views of this layer's parameters and gradients (built on first use): one batch norm per
     * batch-norm group, the first on this layer's gradient views, the others on gradient arrays of their own.
     */
    private Layer conv;
    private Layer[] bn;
    private Layer relu;
    private INDArray innerParams;
    private INDArray innerGradients;

    /** The last training forward pass through the chain, or null. */
    private ChainPass chainPass;
    /** The group-averaged batch statistics of the last grouped training pass through the layers' code, or null. */
    private INDArray[] groupStatistics;
    /** Geometries whose convolution output oneDNN lays out so that it cannot be split into batch-norm groups. */
    private final java.util.Set<OneDnnConvolution.Geometry> unsplittable = new java.util.HashSet<>();

    private record ChainPass(OneDnnConvBnRelu chain, INDArray x, INDArray scaleShift, OneDnnConvBnRelu.Saved saved) {
    }

    private final OneDnnCache<OneDnnConvolution.Geometry, OneDnnConvBnRelu> chains =
            new OneDnnCache<>(g -> new OneDnnConvBnRelu(g, layerConf().getEps(), layerConf().getBatchNormGroups()));

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
        bn = new Layer[c.getBatchNormGroups()];
        for (int g = 0; g < bn.length; g++) {
            bn[g] = instantiate(c.batchNormalization(), ConvBnReluParamInitializer.slice(paramsFlattened, w, numParams()));
            if (g > 0) {
                try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    bn[g].setBackpropGradientsViewArray(Nd4j.create(dataType, 1, numParams() - w));
                }
            }
        }
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
            bn[0].setBackpropGradientsViewArray(ConvBnReluParamInitializer.slice(gradientsFlattened, w, numParams()));
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
        if (!g.consistent() || x.size(1) != c.getNIn() || unsplittable.contains(g)) {
            return null;
        }
        try {
            return chains.get(g);
        } catch (IllegalArgumentException e) { // z's layout does not keep images contiguous: no groups in the chain
            unsplittable.add(g);
            return null;
        }
    }

    /** The batch norm's groups, after checking that a batch of {@code n} images splits into them. */
    private int groups(long n) {
        int groups = layerConf().getBatchNormGroups();
        if (n % groups != 0) {
            throw new IllegalArgumentException("NativeConvBnRelu " + layerConf().getLayerName() + ": a batch of " + n
                    + " images does not split into its " + groups + " batch-norm groups (shuffle BN); use a batch size"
                    + " divisible by " + groups);
        }
        return groups;
    }

    /** Whether a training pass on x runs through the oneDNN chain (for tests). */
    boolean usesChain(INDArray x) {
        return chain(x.castTo(dataType)) != null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        chainPass = null;
        groupStatistics = null;
        INDArray x = input.castTo(dataType);
        int groups = training ? groups(x.size(0)) : 1;
        OneDnnConvBnRelu chain = training ? chain(x) : null;
        if (chain == null) {
            inner();
            INDArray z = conv.activate(input, training, workspaceMgr);
            return relu.activate(groups == 1 ? bn[0].activate(z, training, workspaceMgr)
                    : groupedBatchNorm(z, groups, workspaceMgr), training, workspaceMgr);
        }
        NativeConvBnRelu c = layerConf();
        long ch = c.getNOut();
        INDArray mean;
        INDArray var;
        INDArray scaleShift;
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            mean = Nd4j.createUninitialized(dataType, groups, ch);
            var = Nd4j.createUninitialized(dataType, groups, ch);
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

    /**
     * Training-mode batch norm of z per group, by one batch-norm layer per group; keeps the average of the groups'
     * batch statistics (each layer's own) for the running statistics.
     */
    private INDArray groupedBatchNorm(INDArray z, int groups, LayerWorkspaceMgr workspaceMgr) {
        INDArray[] out = new INDArray[groups];
        INDArray mean = null;
        INDArray var = null;
        for (int g = 0; g < groups; g++) {
            out[g] = bn[g].activate(OneDnnConvBnRelu.images(z, g, groups), true, workspaceMgr);
            INDArray[] stats = ((NativeBatchNormalizationImpl) bn[g]).batchStatistics();
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                mean = mean == null ? stats[0].dup() : mean.addi(stats[0]);
                var = var == null ? stats[1].dup() : var.addi(stats[1]);
            }
        }
        groupStatistics = new INDArray[]{mean.divi(groups), var.divi(groups)};
        return Nd4j.concat(0, out);
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
            INDArray dz;
            if (groupStatistics == null) {
                dz = bn[0].backpropGradient(r.getSecond(), workspaceMgr).getSecond();
            } else {
                INDArray[] dzs = new INDArray[bn.length];
                for (int g = 0; g < bn.length; g++) {
                    Pair<Gradient, INDArray> b = bn[g].backpropGradient(OneDnnConvBnRelu.images(r.getSecond(), g, bn.length),
                            workspaceMgr);
                    dzs[g] = b.getSecond();
                    if (g > 0) { // the first group's wrote into this layer's gradient views
                        for (String key : new String[]{BatchNormalizationParamInitializer.GAMMA, BatchNormalizationParamInitializer.BETA}) {
                            gradientViews.get(key).addi(b.getFirst().getGradientFor(key));
                        }
                    }
                }
                dz = Nd4j.concat(0, dzs);
            }
            Pair<Gradient, INDArray> v = conv.backpropGradient(dz, workspaceMgr);
            dx = v.getSecond();
            // the three layers wrote into views of this layer's gradient array
            for (String key : ConvBnReluParamInitializer.getInstance().paramKeys(c)) {
                gradient.setGradientFor(key, gradientViews.get(key));
            }
            if (groupStatistics != null) {
                RunningStatistics.update(gradient, paramTable(), gradientViews, c.getDecay(), c.isUseLogStd(),
                        groupStatistics[0], groupStatistics[1]);
                groupStatistics = null;
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
            INDArray mean = p.saved().mean();
            INDArray var = p.saved().variance();
            RunningStatistics.update(gradient, paramTable(), gradientViews, c.getDecay(), c.isUseLogStd(),
                    mean.rows() == 1 ? mean.getRow(0) : mean.mean(0), var.rows() == 1 ? var.getRow(0) : var.mean(0));
            chainPass = null;
        }
        return new Pair<>(gradient, dx);
    }

    @Override
    public void clear() {
        super.clear();
        chainPass = null;
        groupStatistics = null;
        for (Layer l : new Layer[]{conv, relu}) {
            if (l != null) {
                l.clear();
            }
        }
        if (bn != null) {
            for (Layer l : bn) {
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
