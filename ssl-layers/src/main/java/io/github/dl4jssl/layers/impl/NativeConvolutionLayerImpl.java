package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeBuffers;
import io.github.dl4jssl.layers.NativeConvolutionLayer;

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
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The runtime layer of {@link io.github.dl4jssl.layers.NativeConvolutionLayer}: DL4J's convolution layer with
 * {@link #preOutput} and {@link #backpropGradient} replaced. Float NCHW input where oneDNN loads: oneDNN's primitives
 * ({@link OneDnnConvolution}, switched by {@link OneDnn}). Other NCHW input: the batch's columns as one matrix and one
 * large matrix product per pass ({@link #forwardNchw}, {@link #backpropNchw}). NHWC input: libnd4j's {@code conv2d} /
 * {@code conv2d_bp} (weights in DL4J's own [outC, inC, kH, kW] layout, libnd4j weight format 1). Parameters, gradient
 * views, dropout, weight noise and the activation function are handled as in DL4J.
 */
public class NativeConvolutionLayerImpl extends ConvolutionLayer {

    /** libnd4j weight format: [outC, inC, kH, kW], DL4J's layout. */
    private static final int WEIGHTS_OIYX = 1;

    /** Default of {@link #setScratchSize}: 4 Mi elements (16 MB in float). */
    public static final long DEFAULT_SCRATCH_SIZE = 4L << 20;

    private static volatile long scratchSize = DEFAULT_SCRATCH_SIZE;

    /**
     * The size, in elements, of the scratch buffer through which col2im runs, a chunk of images at a time (at least
     * one image per chunk). Only speed and memory depend on it.
     */
    public static void setScratchSize(long elements) {
        if (elements < 1) {
            throw new IllegalArgumentException("scratch size must be at least 1 element, got " + elements);
        }
        scratchSize = elements;
    }

    /**
     * The columns of the last training forward pass, [inC*kH*kW, n*outH*outW], kept outside workspaces
     * and reused from step to step while the shape stays; the backward pass reads it (and overwrites it with the
     * column gradients) instead of building the columns again.
     */
    private INDArray colsCache;
    /** The input {@link #colsCache} holds the columns of; null when the cache is stale. */
    private INDArray colsInput;
    /**
     * True when no backward pass ever follows this layer's forward pass (the frozen momentum copies of
     * {@link TrainModeFrozenLayerImpl}, which run in training mode for their batch statistics): the columns then live
     * in workspace memory only and are not kept (SmallCnn's four at batch 2x256: 419 MB).
     */
    private boolean forwardOnly;

    public NativeConvolutionLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        helper = null; // the native ops are the implementation; no cuDNN/oneDNN helper in between
    }

    @Override
    public LayerHelper getHelper() { return null; }

    /** See {@link #forwardOnly}; set by {@link TrainModeFrozenLayerImpl} on the layer it wraps. */
    void setForwardOnly(boolean forwardOnly) {
        this.forwardOnly = forwardOnly;
        if (forwardOnly) {
            releaseColumns();
        }
    }

    /**
     * Frees the kept columns now: ND4J would free them only at a later garbage collection, and a training loop whose
     * batch size alternates (a last smaller batch every epoch, as in the few-label supervised baseline's hundreds of
     * short epochs) replaces them twice per epoch; left to the collector, that grew the process by about 9 GB.
     */
    private void releaseColumns() {
        NativeBuffers.release(colsCache);
        colsCache = null;
        colsInput = null;
    }

    /** Whether the columns of a training forward pass are kept for the backward pass (for tests). */
    boolean keepsColumns() {
        return colsCache != null;
    }

    /** The kept columns, or null (for tests). */
    INDArray keptColumns() {
        return colsCache;
    }

    private boolean nchw() {
        return layerConf().getCnn2dDataFormat() != CNN2DFormat.NHWC;
    }

    /** The integer arguments of conv2d / conv2d_bp (NHWC input). */
    private int[] opArguments() {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        int[] p = c.getPadding();
        boolean same = convolutionMode == ConvolutionMode.Same;
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
        int[] outSize = outputSize(in);
        long n = in.size(0);
        long outC = weights.size(0);
        long[] outShape = nchw() ? new long[]{n, outC, outSize[0], outSize[1]} : new long[]{n, outSize[0], outSize[1], outC};
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, outShape, 'c');
        OneDnnConvolution dnn = oneDnn(in, outSize[0], outSize[1]);
        if (dnn != null) {
            dnn.forward(in, weights, bias == null ? null : vector(bias), z, workspaceMgr);
        } else if (nchw()) {
            forwardNchw(in, weights, bias, z, training, workspaceMgr);
        } else {
            Nd4j.exec(DynamicCustomOp.builder("conv2d")
                    .addInputs(bias == null ? new INDArray[]{in, weights} : new INDArray[]{in, weights, vector(bias)})
                    .addOutputs(z)
                    .addIntegerArguments(opArguments())
                    .build());
        }
        return new Pair<>(z, null);
    }

    /** The output's [height, width], with DL4J's size check and error messages (Strict mode: exact fit; too-small input). */
    private int[] outputSize(INDArray in) {
        return outputSize(layerConf(), in);
    }

    /** The output's [height, width] of convolution {@code c} on {@code in} ({@link NativeConvBnReluImpl} too). */
    static int[] outputSize(org.deeplearning4j.nn.conf.layers.ConvolutionLayer c, INDArray in) {
        ConvolutionMode mode = c.getConvolutionMode();
        return ConvolutionUtils.getOutputSize(in, c.getKernelSize(), c.getStride(),
                mode == ConvolutionMode.Same ? null : c.getPadding(), mode, c.getDilation(), c.getCnn2dDataFormat());
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
        return padding(layerConf(), inH, inW, outH, outW);
    }

    /** Top-left padding of convolution {@code c} ({@link NativeConvBnReluImpl} too). */
    static int[] padding(org.deeplearning4j.nn.conf.layers.ConvolutionLayer c, int inH, int inW, int outH, int outW) {
        return c.getConvolutionMode() == ConvolutionMode.Same
                ? ConvolutionUtils.getSameModeTopLeftPadding(new int[]{outH, outW}, new int[]{inH, inW},
                c.getKernelSize(), c.getStride(), c.getDilation())
                : c.getPadding();
    }

    /**
     * The geometry of a convolution as the column builder sees it: kernel, stride, dilation and top-left padding.
     * The layer's own ({@link #geometry}), or the transposed convolution that gives the input gradient of a stride-1
     * layer ({@link #inputGradientByTransposedConvolution}).
     */
    private record Geometry(int[] kernel, int[] stride, int[] dilation, int[] pad, boolean flipped) {
    }

    private Geometry geometry(int[] pad) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        return new Geometry(c.getKernelSize(), c.getStride(), c.getDilation(), pad, false);
    }

    /**
     * A zero [inC, n, hP, wP] array: the channel-major layout of an input [n, inC, inH, inW] zero-padded so that every
     * kernel tap of every output pixel falls inside it, the image at [padTop, padTop + inH) x [padLeft, padLeft + inW).
     */
    private INDArray zeroPadded(long[] inShape, Geometry g, int outH, int outW, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        int[] k = g.kernel();
        int[] s = g.stride();
        int[] d = g.dilation();
        int[] pad = g.pad();
        long hP = Math.max(pad[0] + inShape[2], (long) (outH - 1) * s[0] + (long) (k[0] - 1) * d[0] + 1);
        long wP = Math.max(pad[1] + inShape[3], (long) (outW - 1) * s[1] + (long) (k[1] - 1) * d[1] + 1);
        return workspaceMgr.create(type, dataType, new long[]{inShape[1], inShape[0], hP, wP}, 'c');
    }

    /** The image part of a {@link #zeroPadded} array, in NCHW order: a [n, inC, inH, inW] view. */
    private static INDArray interior(INDArray padded, int[] pad, long inH, long inW) {
        return padded.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(pad[0], pad[0] + inH),
                NDArrayIndex.interval(pad[1], pad[1] + inW)).permute(1, 0, 2, 3);
    }

    /** The view of the padded input that kernel tap (ky, kx) reads for all outputs: [inC, n, outH, outW]. */
    private static INDArray tap(INDArray padded, Geometry g, int ky, int kx, int outH, int outW) {
        int[] s = g.stride();
        int[] d = g.dilation();
        long y0 = (long) ky * d[0];
        long x0 = (long) kx * d[1];
        return padded.get(NDArrayIndex.all(), NDArrayIndex.all(), strided(y0, s[0], outH), strided(x0, s[1], outW));
    }

    /**
     * {@code count} indices from {@code begin} in steps of {@code stride}. A single index is asked for with stride 1:
     * ND4J 1.0.0-M2.1 reads a one-element interval with a larger stride past its end (an out-of-range error).
     */
    private static org.nd4j.linalg.indexing.INDArrayIndex strided(long begin, int stride, int count) {
        return count == 1 ? NDArrayIndex.interval(begin, begin + 1)
                : NDArrayIndex.interval(begin, stride, begin + (long) (count - 1) * stride + 1);
    }

    /** The rows of kernel tap (ky, kx) of a [inC, kH, kW, n, outH, outW] columns array: [inC, n, outH, outW]. */
    private static INDArray tapRows(INDArray cols6, int ky, int kx) {
        return cols6.get(NDArrayIndex.all(), NDArrayIndex.point(ky), NDArrayIndex.point(kx), NDArrayIndex.all(),
                NDArrayIndex.all(), NDArrayIndex.all());
    }

    /**
     * The columns of the whole batch as one [inC*kH*kW, n*outH*outW] matrix (rows in the weights' (inC, kH, kW)
     * order, columns image by image), so that each convolution product is one large matrix product instead of n
     * small ones (measured 2-4x faster on 2 cores at batch 512). Built with one strided copy per kernel tap from the
     * padded channel-major input, about twice as fast as libnd4j's im2col followed by the copy into this layout.
     * Kept outside workspaces as the cache for the backward pass when {@code keep}.
     */
    private INDArray columns(INDArray in, int outH, int outW, boolean keep, LayerWorkspaceMgr workspaceMgr,
                             ArrayType scratchType) {
        return columns(in, geometry(padding((int) in.size(2), (int) in.size(3), outH, outW)), outH, outW, keep,
                workspaceMgr, scratchType);
    }

    /** {@link #columns(INDArray, int, int, boolean, LayerWorkspaceMgr, ArrayType)} of the convolution {@code g}. */
    private INDArray columns(INDArray in, Geometry g, int outH, int outW, boolean keep, LayerWorkspaceMgr workspaceMgr,
                             ArrayType scratchType) {
        int[] k = g.kernel();
        long n = in.size(0);
        long inC = in.size(1);
        long[] shape = {inC * k[0] * k[1], n * outH * outW};
        INDArray cols;
        if (keep) {
            if (colsCache == null || !java.util.Arrays.equals(colsCache.shape(), shape) || colsCache.dataType() != dataType) {
                releaseColumns();
                try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    colsCache = Nd4j.createUninitialized(dataType, shape, 'c');
                }
            }
            cols = colsCache;
        } else {
            cols = workspaceMgr.createUninitialized(scratchType, dataType, shape, 'c');
        }
        INDArray padded = zeroPadded(in.shape(), g, outH, outW, scratchType, workspaceMgr);
        interior(padded, g.pad(), in.size(2), in.size(3)).assign(in);
        INDArray cols6 = cols.reshape('c', inC, k[0], k[1], n, outH, outW);
        for (int ky = 0; ky < k[0]; ky++) {
            for (int kx = 0; kx < k[1]; kx++) {
                // flipped: row (c, ky, kx) holds tap (kH-1-ky, kW-1-kx), the kernel turned by 180 degrees
                tapRows(cols6, ky, kx).assign(g.flipped() ? tap(padded, g, k[0] - 1 - ky, k[1] - 1 - kx, outH, outW)
                        : tap(padded, g, ky, kx, outH, outW));
            }
        }
        return cols;
    }

    /**
     * The NCHW forward pass: the batch's columns as one [inC*kH*kW, n*outH*outW] matrix, one product
     * z = W cols ([outC, n*outH*outW]), copied into the NCHW output (libnd4j's conv2d instead copies the im2col
     * buffer into a permuted layout and the result back, 2-5x slower). In training the columns are kept for the
     * backward pass.
     */
    private void forwardNchw(INDArray in, INDArray weights, INDArray bias, INDArray z, boolean training,
                             LayerWorkspaceMgr workspaceMgr) {
        long n = in.size(0);
        long outC = weights.size(0);
        int outH = (int) z.size(2);
        int outW = (int) z.size(3);
        long pixels = (long) outH * outW;
        boolean keep = training && !forwardOnly;
        INDArray cols = columns(in, outH, outW, keep, workspaceMgr, ArrayType.FF_WORKING_MEM);
        colsInput = keep ? input : null;
        INDArray w2 = weights.reshape('c', outC, weights.length() / outC);
        INDArray zT = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, new long[]{outC, n * pixels}, 'c');
        Nd4j.gemm(w2, cols, zT, false, false, 1.0, 0.0);
        z.reshape('c', n, outC, pixels).assign(zT.reshape('c', outC, n, pixels).permute(1, 0, 2));
        if (bias != null) {
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(z, vector(bias), z, 1));
        }
    }

    /**
     * libnd4j's col2im of column gradients in the {@link #columns} layout into the NCHW input gradient, a chunk of
     * images at a time through a small scratch buffer in libnd4j's [n, inC, kH, kW, outH, outW] layout (strided
     * sums per kernel tap straight from the columns measured 2-4x slower).
     */
    private void col2im(INDArray cols, INDArray in, int outH, int outW, int[] pad, INDArray epsNext,
                        LayerWorkspaceMgr workspaceMgr) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        long n = in.size(0);
        long inC = in.size(1);
        long kSize = inC * k[0] * k[1];
        long pixels = (long) outH * outW;
        INDArray cols3 = cols.reshape('c', kSize, n, pixels);
        int chunk = (int) Math.max(1, Math.min(n, scratchSize / Math.max(1, kSize * pixels)));
        INDArray scratch = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                new long[]{chunk, kSize, pixels}, 'c');
        for (long i0 = 0; i0 < n; i0 += chunk) {
            long m = Math.min(chunk, n - i0);
            INDArray part = m == chunk ? scratch : scratch.get(NDArrayIndex.interval(0, m));
            part.assign(cols3.get(NDArrayIndex.all(), NDArrayIndex.interval(i0, i0 + m), NDArrayIndex.all()).permute(1, 0, 2));
            Nd4j.exec(DynamicCustomOp.builder("col2im")
                    .addInputs(part.reshape('c', m, inC, k[0], k[1], outH, outW))
                    .addOutputs(epsNext.get(NDArrayIndex.interval(i0, i0 + m)))
                    .addIntegerArguments(s[0], s[1], pad[0], pad[1], (int) in.size(2), (int) in.size(3), d[0], d[1],
                            convolutionMode == ConvolutionMode.Same ? 1 : 0).build());
        }
    }

    /**
     * The NCHW backward pass without libnd4j's conv2d_bp, whose tensor contractions copy the im2col buffer into a
     * permuted layout (measured 2-5x slower than this): dZ as one [outC, n*outH*outW] matrix, the forward pass's
     * columns (or fresh ones), then two large products, dW = dZ cols^T and dcols = W^T dZ (into the columns'
     * buffer), and {@link #col2im} into the input gradient. {@code epsNext} null: no input gradient is computed.
     */
    private void backpropNchw(INDArray in, INDArray weights, INDArray delta, INDArray weightGrad, INDArray biasGrad,
                              INDArray epsNext, LayerWorkspaceMgr workspaceMgr) {
        int[] k = layerConf().getKernelSize();
        long n = in.size(0);
        long inC = in.size(1);
        int inH = (int) in.size(2);
        int inW = (int) in.size(3);
        long outC = weights.size(0);
        int outH = (int) delta.size(2);
        int outW = (int) delta.size(3);
        int[] pad = padding(inH, inW, outH, outW);
        OneDnnConvolution dnn = oneDnn(in, outH, outW);
        if (dnn != null) {
            dnn.backward(in, delta, weights, epsNext, weightGrad, biasGrad == null ? null : vector(biasGrad),
                    workspaceMgr);
            return;
        }
        long kSize = inC * k[0] * k[1];
        long pixels = (long) outH * outW;
        INDArray dzT = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[]{outC, n * pixels}, 'c');
        dzT.reshape('c', outC, n, pixels).assign(delta.reshape(n, outC, pixels).permute(1, 0, 2));
        INDArray cols = colsInput == input && colsCache != null ? colsCache
                : columns(in, outH, outW, false, workspaceMgr, ArrayType.BP_WORKING_MEM);
        colsInput = null; // overwritten below with the column gradients
        INDArray w2 = weights.reshape('c', outC, kSize);
        INDArray dw2 = org.nd4j.linalg.api.shape.Shape.newShapeNoCopy(weightGrad, new long[]{outC, kSize}, false);
        if (dw2 == null) {
            throw new IllegalStateException("weight gradient view is not contiguous " + layerId());
        }
        Nd4j.gemm(dzT, cols, dw2, false, true, 1.0, 0.0);
        Geometry transposed = transposedGeometry(pad, inC, outC);
        if (epsNext == null) {
            // no input gradient wanted (inputGradient(false))
        } else if (transposed != null) {
            inputGradientByTransposedConvolution(delta, weights, transposed, epsNext, workspaceMgr);
        } else {
            Nd4j.gemm(w2, dzT, cols, true, false, 1.0, 0.0);
            col2im(cols, in, outH, outW, pad, epsNext, workspaceMgr);
        }
        if (biasGrad != null) {
            dzT.reshape('c', outC, n * pixels).sum(vector(biasGrad), 1);
        }
    }

    /**
     * The geometry of the transposed convolution that gives this layer's input gradient, or null where col2im is used
     * instead. For stride 1, dL/dx[c, y, x] = sum over (o, ky, kx) of W[o, c, ky, kx] dZ[o, y + padTop - ky*dH,
     * x + padLeft - kx*dW] (zero outside dZ): a stride-1 convolution of dZ, zero-padded by (kH-1)*dH - padTop on top
     * and (kW-1)*dW - padLeft on the left, with the kernel flipped and its channel axes swapped. Its columns are as
     * many as the forward pass's when outC = inC, and it replaces the product W^T dZ into the columns and the col2im
     * (about 114 ms for SmallCnn's 64-channel 14x14 layer at batch 512) with one column build, one product and one
     * copy (about 72 ms, measured by parts). Used for stride 1 and outC &lt;= inC (more output channels would make
     * more columns), when the padding does not exceed the kernel's extent. Measured on the whole step, alternately
     * with col2im in one JVM: SimCLR on SmallCnn at batch 2x256 +15% images/s, on ResNet18Cifar at batch 2x64 +13%.
     */
    private Geometry transposedGeometry(int[] pad, long inC, long outC) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        int top = (k[0] - 1) * d[0] - pad[0];
        int left = (k[1] - 1) * d[1] - pad[1];
        if (!transposedInputGradient || s[0] != 1 || s[1] != 1 || outC > inC || top < 0 || left < 0) {
            return null;
        }
        return new Geometry(k, s, d, new int[]{top, left}, true);
    }

    /**
     * dL/dx as the stride-1 convolution of dZ described at {@link #transposedGeometry}: dZ's columns
     * [outC*kH*kW, n*inH*inW] with the kernel taps in reverse order (the kernel's 180-degree turn lives in the columns:
     * libnd4j's {@code reverse} over the kernel axes of ResNet-18's 512-channel weights made the step 20% slower), the
     * product with the channel-swapped kernel [inC, outC*kH*kW], and the copy of the [inC, n*inH*inW] result into the
     * NCHW input gradient.
     */
    private void inputGradientByTransposedConvolution(INDArray delta, INDArray weights, Geometry g, INDArray epsNext,
                                                      LayerWorkspaceMgr workspaceMgr) {
        long n = epsNext.size(0);
        long inC = epsNext.size(1);
        int inH = (int) epsNext.size(2);
        int inW = (int) epsNext.size(3);
        long outC = weights.size(0);
        int[] k = g.kernel();
        INDArray cols = columns(delta, g, inH, inW, false, workspaceMgr, ArrayType.BP_WORKING_MEM);
        INDArray swapped = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                new long[]{inC, outC, k[0], k[1]}, 'c');
        swapped.assign(weights.permute(1, 0, 2, 3));
        long pixels = (long) inH * inW;
        INDArray epsT = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[]{inC, n * pixels}, 'c');
        Nd4j.gemm(swapped.reshape('c', inC, outC * k[0] * k[1]), cols, epsT, false, false, 1.0, 0.0);
        epsNext.reshape('c', n, inC, pixels).assign(epsT.reshape('c', inC, n, pixels).permute(1, 0, 2));
    }

    /** Whether the backward pass of {@code in} (NCHW) goes through {@link #inputGradientByTransposedConvolution}. */
    boolean usesTransposedInputGradient(INDArray in) {
        int[] out = outputSize(in);
        int[] pad = padding((int) in.size(2), (int) in.size(3), out[0], out[1]);
        return nchw() && transposedGeometry(pad, in.size(1), layerConf().getNOut()) != null;
    }

    private static volatile boolean transposedInputGradient = true;

    /** The oneDNN primitives of the last two geometries (see {@link OneDnnCache}). */
    private final OneDnnCache<OneDnnConvolution.Geometry, OneDnnConvolution> oneDnnPrimitives =
            new OneDnnCache<>(OneDnnConvolution::new);

    /** The oneDNN primitives for input {@code in}, or null where the column path runs (see {@link OneDnn}). */
    private OneDnnConvolution oneDnn(INDArray in, int outH, int outW) {
        if (!OneDnn.enabled() || !nchw() || dataType != DataType.FLOAT) {
            return null;
        }
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] pad = padding((int) in.size(2), (int) in.size(3), outH, outW);
        OneDnnConvolution.Geometry g = OneDnnConvolution.Geometry.of(in.size(0), in.size(1), in.size(2), in.size(3),
                c.getNOut(), outH, outW, c.getKernelSize(), c.getStride(), c.getDilation(), pad, hasBias());
        if (!g.consistent()) {
            return null;
        }
        releaseColumns(); // the column path's cache is not needed while oneDNN runs this layer
        return oneDnnPrimitives.get(g);
    }

    /** Whether the passes of {@code in} (NCHW) run through oneDNN; see {@link OneDnn}. */
    boolean usesOneDnn(INDArray in) {
        int[] out = outputSize(in);
        return oneDnn(in.castTo(dataType), out[0], out[1]) != null;
    }

    /** How many geometries' oneDNN primitives this layer holds (for tests). */
    int oneDnnGeometries() {
        return oneDnnPrimitives.size();
    }

    /**
     * Whether stride-1 layers compute their input gradient as a transposed convolution (the default) or, like the
     * others, through col2im; both give the same gradient. For tests and speed comparisons.
     */
    public static void setTransposedInputGradient(boolean enabled) {
        transposedInputGradient = enabled;
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
        boolean inputGradient = inputGradientWanted();
        INDArray epsNext = inputGradient
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c') : null;
        if (nchw()) {
            backpropNchw(in, weights, delta, weightGrad, biasGrad, epsNext, workspaceMgr);
        } else {
            // libnd4j's conv2d_bp always writes an input gradient: into scratch memory when none is wanted
            INDArray dx = inputGradient ? epsNext
                    : workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, in.shape(), 'c');
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                    .addInputs(bias == null ? new INDArray[]{in, weights, delta} : new INDArray[]{in, weights, vector(bias), delta})
                    .addOutputs(biasGrad == null ? new INDArray[]{dx, weightGrad} : new INDArray[]{dx, weightGrad, vector(biasGrad)})
                    .addIntegerArguments(opArguments())
                    .build());
        }

        Gradient gradient = new DefaultGradient();
        if (biasGrad != null) {
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
        weightNoiseParams.clear();
        return new Pair<>(gradient, inputGradient ? backpropDropOutIfPresent(epsNext) : null);
    }

    /** False where the configuration says the input gradient is not needed ({@code inputGradient(false)}). */
    private boolean inputGradientWanted() {
        return !(conf.getLayer() instanceof NativeConvolutionLayer)
                || ((NativeConvolutionLayer) conf.getLayer()).isInputGradient();
    }
}
