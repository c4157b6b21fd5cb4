package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeBuffers;

import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;


import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * The three convolution primitives of oneDNN (Intel's deep-learning kernel library, through bytedeco's JavaCPP
 * presets, {@code org.bytedeco:dnnl}) for one convolution geometry in float NCHW: forward, backward data (the input
 * gradient) and backward weights (the weight and bias gradients). oneDNN picks its own memory layout for each
 * primitive (channel-blocked, e.g. nChw16c, on AVX-512); the NCHW / OIHW arrays of DL4J are reordered into it and back
 * on every call, through workspace scratch arrays ({@link OneDnnOperation}), so the layer's inputs, outputs and
 * gradients stay DL4J's.
 *
 * <p>Why: this is what PyTorch's CPU convolution runs. SmallCnn's four convolutions at batch 512 took 73 ms forward
 * and 149 ms backward through these primitives, reorders included, against 203 and 404 ms for the column-matrix
 * products of {@link NativeConvolutionLayerImpl} (docs/bench/onednn-s14).</p>
 *
 * <p>Float only (oneDNN has no double convolution); the layer keeps its own path for other types. Not thread-safe:
 * one instance per layer instance, as DL4J's layers are. Native objects are destroyed by {@link #close}, or by a
 * cleaner when the instance becomes unreachable.</p>
 */
final class OneDnnConvolution extends OneDnnOperation {

    /**
     * A convolution as oneDNN describes it: batch, channels and sizes of input and output, kernel, stride, dilation
     * (DL4J's, 1 = dense) and the padding on each side.
     */
    record Geometry(long n, long inC, long inH, long inW, long outC, long outH, long outW, int kH, int kW, int sH,
                    int sW, int dH, int dW, int padTop, int padLeft, int padBottom, int padRight, boolean bias) {

        /**
         * Whether oneDNN's output-size rule, (in + padBefore + padAfter - extent) / stride + 1, gives this output
         * size, with padding that is not negative.
         */
        boolean consistent() {
            return padBottom >= 0 && padRight >= 0 && padTop >= 0 && padLeft >= 0
                    && outH == (inH + padTop + padBottom - ((long) (kH - 1) * dH + 1)) / sH + 1
                    && outW == (inW + padLeft + padRight - ((long) (kW - 1) * dW + 1)) / sW + 1;
        }

        /**
         * The geometry of DL4J's convolution with top-left padding {@code pad}: the bottom-right padding is what the
         * output size needs (Same mode: the extra row and column; Truncate: at most the configured padding, less when
         * the last rows are not reached).
         */
        static Geometry of(long n, long inC, long inH, long inW, long outC, long outH, long outW, int[] k, int[] s,
                           int[] d, int[] pad, boolean bias) {
            int bottom = (int) Math.max(0, (outH - 1) * s[0] + (long) (k[0] - 1) * d[0] + 1 - inH - pad[0]);
            int right = (int) Math.max(0, (outW - 1) * s[1] + (long) (k[1] - 1) * d[1] + 1 - inW - pad[1]);
            return new Geometry(n, inC, inH, inW, outC, outH, outW, k[0], k[1], s[0], s[1], d[0], d[1], pad[0],
                    pad[1], bottom, right, bias);
        }

        long[] src() { return new long[]{n, inC, inH, inW}; }
        long[] weights() { return new long[]{outC, inC, kH, kW}; }
        long[] dst() { return new long[]{n, outC, outH, outW}; }
        long[] strides() { return new long[]{sH, sW}; }
        long[] dilates() { return new long[]{dH - 1, dW - 1}; } // oneDNN counts the skipped pixels
        long[] padBefore() { return new long[]{padTop, padLeft}; }
        long[] padAfter() { return new long[]{padBottom, padRight}; }
    }

    private final Pass forward;
    private final Pass backwardData;
    private final Pass backwardWeights;
    /** Whether both backward passes read dL/dz in the same non-plain layout ({@link #backward} reorders it once). */
    private final boolean shareDiffDst;

    OneDnnConvolution(Geometry g) {
        super("convolution " + g);
        if (!g.consistent()) {
            close();
            throw new IllegalArgumentException("oneDNN cannot describe this convolution: " + g);
        }
        dnnl_primitive_desc fpd = forwardDesc(this, g);
        forward = new Pass(fpd, "forward",
                arg(DNNL_ARG_SRC, false, g.src(), dnnl_nchw, fpd, dnnl_query_src_md),
                arg(DNNL_ARG_WEIGHTS, false, g.weights(), dnnl_oihw, fpd, dnnl_query_weights_md),
                g.bias() ? arg(DNNL_ARG_BIAS, false, new long[]{g.outC()}, dnnl_x, fpd, dnnl_query_weights_md, 1) : null,
                arg(DNNL_ARG_DST, true, g.dst(), dnnl_nchw, fpd, dnnl_query_dst_md));

        dnnl_primitive_desc dpd = backwardDataDesc(this, g, fpd);
        backwardData = new Pass(dpd, "backward data",
                arg(DNNL_ARG_DIFF_DST, false, g.dst(), dnnl_nchw, dpd, dnnl_query_diff_dst_md),
                arg(DNNL_ARG_WEIGHTS, false, g.weights(), dnnl_oihw, dpd, dnnl_query_weights_md),
                arg(DNNL_ARG_DIFF_SRC, true, g.src(), dnnl_nchw, dpd, dnnl_query_diff_src_md));

        dnnl_primitive_desc wpd = backwardWeightsDesc(this, g, fpd);
        backwardWeights = new Pass(wpd, "backward weights",
                arg(DNNL_ARG_SRC, false, g.src(), dnnl_nchw, wpd, dnnl_query_src_md),
                arg(DNNL_ARG_DIFF_DST, false, g.dst(), dnnl_nchw, wpd, dnnl_query_diff_dst_md),
                arg(DNNL_ARG_DIFF_WEIGHTS, true, g.weights(), dnnl_oihw, wpd, dnnl_query_diff_weights_md),
                g.bias() ? arg(DNNL_ARG_DIFF_BIAS, true, new long[]{g.outC()}, dnnl_x, wpd, dnnl_query_diff_weights_md, 1) : null);
        shareDiffDst = backwardData.reorders(0) && backwardWeights.reorders(1)
                && backwardData.sameLayout(0, backwardWeights, 1);
    }

    /** oneDNN's forward-training convolution of {@code g}, every layout oneDNN's choice, owned by {@code op}. */
    static dnnl_primitive_desc forwardDesc(OneDnnOperation op, Geometry g) {
        int any = dnnl_format_tag_any;
        dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_forward_desc_init(fd, dnnl_forward_training, dnnl_convolution_direct,
                desc(g.src(), any), desc(g.weights(), any), biasDesc(g), desc(g.dst(), any), g.strides(), g.dilates(),
                g.padBefore(), g.padAfter()), "forward descriptor");
        return op.primitiveDesc(fd, null);
    }

    /** The backward-data convolution of {@code g} (hint: its forward {@code fpd}). */
    static dnnl_primitive_desc backwardDataDesc(OneDnnOperation op, Geometry g, dnnl_primitive_desc fpd) {
        int any = dnnl_format_tag_any;
        dnnl_convolution_desc_t dd = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_backward_data_desc_init(dd, dnnl_convolution_direct, desc(g.src(), any),
                desc(g.weights(), any), desc(g.dst(), any), g.strides(), g.dilates(), g.padBefore(), g.padAfter()),
                "backward-data descriptor");
        return op.primitiveDesc(dd, fpd);
    }

    /** The backward-weights convolution of {@code g} (hint: its forward {@code fpd}). */
    static dnnl_primitive_desc backwardWeightsDesc(OneDnnOperation op, Geometry g, dnnl_primitive_desc fpd) {
        int any = dnnl_format_tag_any;
        dnnl_convolution_desc_t wd = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_backward_weights_desc_init(wd, dnnl_convolution_direct, desc(g.src(), any),
                desc(g.weights(), any), biasDesc(g), desc(g.dst(), any), g.strides(), g.dilates(), g.padBefore(),
                g.padAfter()), "backward-weights descriptor");
        return op.primitiveDesc(wd, fpd);
    }

    private static dnnl_memory_desc_t biasDesc(Geometry g) {
        return g.bias() ? desc(new long[]{g.outC()}, dnnl_x) : null;
    }

    /** z = conv(x, W) + b, all NCHW / OIHW; {@code b} null without bias. */
    void forward(INDArray x, INDArray w, INDArray b, INDArray z, LayerWorkspaceMgr mgr) {
        forward.run(mgr, ArrayType.FF_WORKING_MEM, x, w, b, z);
    }

    /**
     * dL/dx ({@code dx} null: not computed), dL/dW and dL/db ({@code db} null without bias) from x, dL/dz and W. When
     * the two backward primitives want dL/dz in the same layout (the channel-blocked one, as a rule), it is reordered
     * once for both instead of once per primitive (PyTorch 1.13 reorders it twice).
     */
    void backward(INDArray x, INDArray dz, INDArray w, INDArray dx, INDArray dw, INDArray db, LayerWorkspaceMgr mgr) {
        INDArray dzInner = dx != null && shareDiffDst ? backwardData.prepare(0, dz, mgr, ArrayType.BP_WORKING_MEM) : null;
        try {
            if (dx != null) {
                backwardData.run(mgr, ArrayType.BP_WORKING_MEM, new INDArray[]{dz, w, dx},
                        new INDArray[]{dzInner, null, null});
            }
            backwardWeights.run(mgr, ArrayType.BP_WORKING_MEM, new INDArray[]{x, dz, dw, db},
                    new INDArray[]{null, dzInner, null, null});
        } finally {
            NativeBuffers.release(dzInner);
        }
    }

    /** Whether {@link #backward} reorders dL/dz once for both backward primitives. */
    boolean sharesDiffDst() {
        return shareDiffDst;
    }

    /** dL/dx from dL/dz and W. */
    void backwardData(INDArray dz, INDArray w, INDArray dx, LayerWorkspaceMgr mgr) {
        backwardData.run(mgr, ArrayType.BP_WORKING_MEM, dz, w, dx);
    }

    /** dL/dW (and dL/db, {@code db} null without bias) from x and dL/dz, written over {@code dw} and {@code db}. */
    void backwardWeights(INDArray x, INDArray dz, INDArray dw, INDArray db, LayerWorkspaceMgr mgr) {
        backwardWeights.run(mgr, ArrayType.BP_WORKING_MEM, x, dz, dw, db);
    }

}
