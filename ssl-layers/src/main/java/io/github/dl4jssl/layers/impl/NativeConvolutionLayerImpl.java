package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of {@link io.github.dl4jssl.layers.NativeConvolutionLayer}: DL4J's convolution layer with
 * {@link #preOutput} and {@link #backpropGradient} replaced by libnd4j's {@code conv2d} / {@code conv2d_bp}
 * (weights in DL4J's own [outC, inC, kH, kW] layout, libnd4j weight format 1, so nothing is permuted or copied).
 * Parameters, gradient views, dropout, weight noise and the activation function are handled as in DL4J.
 */
public class NativeConvolutionLayerImpl extends ConvolutionLayer {

    /** libnd4j weight format: [outC, inC, kH, kW], DL4J's layout. */
    private static final int WEIGHTS_OIYX = 1;

    /**
     * The im2col buffer of the last training forward pass, [n, inC, kH, kW, outH, outW], kept outside workspaces
     * and reused from step to step while the shape stays; the backward pass reads it (and overwrites it with the
     * column gradients) instead of computing im2col again.
     */
    private INDArray colsCache;
    /** The input {@link #colsCache} holds the columns of; null when the cache is stale. */
    private INDArray colsInput;

    public NativeConvolutionLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        helper = null; // the native ops are the implementation; no cuDNN/oneDNN helper in between
    }

    @Override
    public LayerHelper getHelper() {
        return null;
    }

    private boolean nchw() {
        return layerConf().getCnn2dDataFormat() != CNN2DFormat.NHWC;
    }

    /** The integer arguments of conv2d / conv2d_bp; also validates the input size as DL4J does. */
    private int[] opArguments(INDArray input) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        int[] p = c.getPadding();
        ConvolutionMode mode = convolutionMode;
        // DL4J's size check and error messages (Strict mode: exact fit; too-small input)
        ConvolutionUtils.getOutputSize(input, k, s, mode == ConvolutionMode.Same ? null : p, mode, d,
                c.getCnn2dDataFormat());
        boolean same = mode == ConvolutionMode.Same;
        return new int[]{k[0], k[1], s[0], s[1], same ? 0 : p[0], same ? 0 : p[1], d[0], d[1],
                same ? 1 : 0, nchw() ? 0 : 1, WEIGHTS_OIYX};
    }

    private static INDArray vector(INDArray rowOrVector) {
        return rowOrVector.rank() == 1 ? rowOrVector : rowOrVector.reshape(rowOrVector.length());
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        validateInputRank();
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray bias = hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr) : null;
        INDArray in = input.castTo(dataType);
        validateInputDepth(weights.size(1));
        int[] args = opArguments(in);
        int[] outSize = ConvolutionUtils.getOutputSize(in, layerConf().getKernelSize(), layerConf().getStride(),
                convolutionMode == ConvolutionMode.Same ? null : layerConf().getPadding(), convolutionMode,
                layerConf().getDilation(), layerConf().getCnn2dDataFormat());
        long n = in.size(0);
        long outC = weights.size(0);
        long[] outShape = nchw() ? new long[]{n, outC, outSize[0], outSize[1]} : new long[]{n, outSize[0], outSize[1], outC};
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, outShape, 'c');
        if (nchw()) {
            forwardNchw(in, weights, bias, z, training);
        } else {
            Nd4j.exec(DynamicCustomOp.builder("conv2d")
                    .addInputs(bias == null ? new INDArray[]{in, weights} : new INDArray[]{in, weights, vector(bias)})
                    .addOutputs(z)
                    .addIntegerArguments(args)
                    .build());
        }
        return new Pair<>(z, null);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (input == null) {
            throw new IllegalArgumentException("Cannot perform forward pass with null input " + layerId());
        }
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = preOutput(training, false, workspaceMgr).getFirst();
        return layerConf().getActivationFn().getActivation(z, training);
    }

    /** Top-left padding (Same mode: DL4J's, the extra row/column goes bottom/right) or the configured padding. */
    private int[] padding(int inH, int inW, int outH, int outW) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        return convolutionMode == ConvolutionMode.Same
                ? ConvolutionUtils.getSameModeTopLeftPadding(new int[]{outH, outW}, new int[]{inH, inW},
                c.getKernelSize(), c.getStride(), c.getDilation())
                : c.getPadding();
    }

    /** libnd4j's im2col of NCHW input into a contiguous [n, inC, kH, kW, outH, outW] array (the cache if {@code keep}). */
    private INDArray im2col(INDArray in, int outH, int outW, boolean keep) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        int[] pad = padding((int) in.size(2), (int) in.size(3), outH, outW);
        long[] shape = {in.size(0), in.size(1), k[0], k[1], outH, outW};
        INDArray cols;
        if (keep) {
            if (colsCache == null || !java.util.Arrays.equals(colsCache.shape(), shape) || colsCache.dataType() != dataType) {
                try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    colsCache = Nd4j.createUninitialized(dataType, shape, 'c');
                }
            }
            cols = colsCache;
        } else {
            cols = Nd4j.createUninitialized(dataType, shape, 'c');
        }
        Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(in).addOutputs(cols)
                .addIntegerArguments(k[0], k[1], s[0], s[1], pad[0], pad[1], d[0], d[1],
                        convolutionMode == ConvolutionMode.Same ? 1 : 0)
                .addFloatingPointArguments(0.0).build());
        return cols;
    }

    /**
     * The NCHW forward pass: im2col, then per image z_i = W cols_i, a [outC, inC*kH*kW] x [inC*kH*kW, outH*outW]
     * product written straight into the NCHW output (libnd4j's conv2d instead copies the im2col buffer into a
     * permuted layout and the result back). In training the columns are kept for the backward pass.
     */
    private void forwardNchw(INDArray in, INDArray weights, INDArray bias, INDArray z, boolean training) {
        long n = in.size(0);
        long outC = weights.size(0);
        int outH = (int) z.size(2);
        int outW = (int) z.size(3);
        INDArray cols = im2col(in, outH, outW, training);
        colsInput = training ? input : null;
        long kSize = weights.length() / outC;
        INDArray cols3 = cols.reshape('c', n, kSize, (long) outH * outW);
        INDArray z3 = z.reshape('c', n, outC, (long) outH * outW);
        INDArray w2 = weights.reshape('c', outC, kSize);
        for (long i = 0; i < n; i++) {
            Nd4j.gemm(w2, cols3.tensorAlongDimension(i, 1, 2), z3.tensorAlongDimension(i, 1, 2), false, false, 1.0, 0.0);
        }
        if (bias != null) {
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(z, vector(bias), z, 1));
        }
    }

    /**
     * The NCHW backward pass without libnd4j's conv2d_bp, whose tensor contractions copy the im2col buffer into a
     * permuted layout (measured 2-5x slower than this): the forward pass's columns (or a fresh im2col), a
     * contiguous [n, inC*kH*kW, outH*outW] buffer, then per image two matrix products on contiguous blocks, dW += dZ_i cols_i^T and cols_i = W^T dZ_i
     * (reusing the buffer), and col2im into the input gradient.
     */
    private void backpropNchw(INDArray in, INDArray weights, INDArray delta, INDArray weightGrad, INDArray biasGrad,
                              INDArray epsNext) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        long n = in.size(0);
        long inC = in.size(1);
        int inH = (int) in.size(2);
        int inW = (int) in.size(3);
        long outC = weights.size(0);
        int outH = (int) delta.size(2);
        int outW = (int) delta.size(3);
        boolean same = convolutionMode == ConvolutionMode.Same;
        int[] pad = padding(inH, inW, outH, outW);
        long kSize = inC * k[0] * k[1];
        long pixels = (long) outH * outW;
        INDArray dz = delta.isView() || delta.ordering() != 'c' ? delta.dup('c') : delta;
        INDArray cols = colsInput == input && colsCache != null ? colsCache : im2col(in, outH, outW, false);
        colsInput = null; // overwritten below with the column gradients
        INDArray cols3 = cols.reshape('c', n, kSize, pixels);
        INDArray dz3 = dz.reshape('c', n, outC, pixels);
        INDArray w2 = weights.reshape('c', outC, kSize);
        INDArray dw2 = org.nd4j.linalg.api.shape.Shape.newShapeNoCopy(weightGrad, new long[]{outC, kSize}, false);
        if (dw2 == null) {
            throw new IllegalStateException("weight gradient view is not contiguous " + layerId());
        }
        for (long i = 0; i < n; i++) {
            Nd4j.gemm(dz3.tensorAlongDimension(i, 1, 2), cols3.tensorAlongDimension(i, 1, 2), dw2, false, true,
                    1.0, i == 0 ? 0.0 : 1.0);
        }
        for (long i = 0; i < n; i++) {
            Nd4j.gemm(w2, dz3.tensorAlongDimension(i, 1, 2), cols3.tensorAlongDimension(i, 1, 2), true, false, 1.0, 0.0);
        }
        Nd4j.exec(DynamicCustomOp.builder("col2im").addInputs(cols).addOutputs(epsNext)
                .addIntegerArguments(s[0], s[1], pad[0], pad[1], inH, inW, d[0], d[1], same ? 1 : 0).build());
        if (biasGrad != null) {
            dz.sum(vector(biasGrad), 0, 2, 3);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray bias = hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr) : null;
        INDArray in = input.castTo(dataType);
        if (epsilon.dataType() != dataType) {
            epsilon = epsilon.castTo(dataType);
        }
        IActivation afn = layerConf().getActivationFn();
        INDArray delta;
        if (afn instanceof ActivationIdentity) {
            delta = epsilon; // dL/dz = dL/da: no need to recompute z
        } else {
            INDArray z = preOutput(true, true, workspaceMgr).getFirst();
            delta = afn.backprop(z, epsilon).getFirst();
        }
        INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray biasGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
        if (nchw()) {
            backpropNchw(in, weights, delta, weightGrad, biasGrad, epsNext);
        } else {
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                    .addInputs(bias == null ? new INDArray[]{in, weights, delta} : new INDArray[]{in, weights, vector(bias), delta})
                    .addOutputs(biasGrad == null ? new INDArray[]{epsNext, weightGrad} : new INDArray[]{epsNext, weightGrad, vector(biasGrad)})
                    .addIntegerArguments(opArguments(in))
                    .build());
        }

        Gradient gradient = new DefaultGradient();
        if (biasGrad != null) {
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
        weightNoiseParams.clear();
        return new Pair<>(gradient, backpropDropOutIfPresent(epsNext));
    }
}
