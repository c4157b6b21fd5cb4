package io.github.dl4jssl.layers.impl;

import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * A convolution (no bias), batch normalization in training mode (batch statistics, learned scale and shift) and ReLU
 * as one chain of oneDNN primitives for one float NCHW geometry, with the convolution's output kept in oneDNN's
 * channel-blocked layout (nChw16c on AVX-512) between the convolution and the batch norm, and the batch norm's input
 * gradient kept in it between the batch norm and the convolution's backward passes. Only the chain's input, output,
 * output gradient and input gradient are DL4J's NCHW arrays: no reorder beyond the ones a lone convolution makes.
 *
 * <p>Forward: z = conv(x, W) (blocked), y = max(0, gamma (z - mean) / sqrt(var + eps) + beta) (batch norm with
 * oneDNN's fused ReLU, whose mask goes to a workspace), y reordered to NCHW. Backward: dL/dy reordered into the
 * blocked layout, the batch norm's backward pass through the ReLU mask and the batch statistics (dL/dz, dL/dgamma,
 * dL/dbeta), then the convolution's backward-data and backward-weights passes on dL/dz.</p>
 *
 * <p>Agreement with the three layers (today's {@code NativeConvolutionLayer}, {@code NativeBatchNormalization},
 * {@code NativeActivationLayer}): to float rounding, except where an output lies within rounding of 0, where the two
 * may take different sides of the ReLU's kink (13 of 12.8 million values at SmallCnn's first block, batch 512); each
 * agrees with the formulas in double under its own ReLU mask (docs/bench/conv-bn-relu-s22).</p>
 *
 * <p>Why: oneDNN's batch norm is three to six times faster in the blocked layout than our own batch norm and ReLU
 * layers, but reorders to and from DL4J's NCHW arrays eat that gain when it runs as a layer of its own
 * (docs/bench/bn-blocked-s22).</p>
 */
final class OneDnnConvBnRelu extends OneDnnOperation {

    private final Pass convForward;
    private final Pass bnForward;
    private final Pass bnBackward;
    private final Pass convBackwardData;
    private final Pass convBackwardWeights;
    /** Floats of an array in the blocked layout (z, dL/dz) and of the ReLU mask's workspace. */
    private final long blockedElements;
    private final long workspaceElements;
    private final String layout;

    OneDnnConvBnRelu(OneDnnConvolution.Geometry g, double eps) {
        super("convolution + batch norm + ReLU " + g);
        if (!g.consistent() || g.bias()) {
            close();
            throw new IllegalArgumentException("oneDNN cannot describe this convolution without bias: " + g);
        }
        dnnl_primitive_desc cfpd = OneDnnConvolution.forwardDesc(this, g);
        dnnl_memory_desc_t blocked = wanted(cfpd, dnnl_query_dst_md, 0);
        layout = describe(blocked, g.dst());
        blockedElements = elements(blocked);
        convForward = new Pass(cfpd, "convolution forward",
                arg(DNNL_ARG_SRC, false, g.src(), dnnl_nchw, cfpd, dnnl_query_src_md),
                arg(DNNL_ARG_WEIGHTS, false, g.weights(), dnnl_oihw, cfpd, dnnl_query_weights_md),
                arg(DNNL_ARG_DST, true, blocked, cfpd, dnnl_query_dst_md, 0));

        float e = (float) eps;
        int flags = dnnl_use_scaleshift | dnnl_fuse_norm_relu;
        long[] vector = {g.outC()};
        long[] scaleShift = {2, g.outC()};
        dnnl_batch_normalization_desc_t bfd = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_forward_desc_init(bfd, dnnl_forward_training, blocked, e, flags),
                "batch norm forward descriptor");
        dnnl_primitive_desc bfpd = primitiveDesc(bfd, null);
        dnnl_memory_desc_t workspace = wanted(bfpd, dnnl_query_workspace_md, 0);
        workspaceElements = elements(workspace);
        bnForward = new Pass(bfpd, "batch norm forward",
                arg(DNNL_ARG_SRC, false, blocked, bfpd, dnnl_query_src_md, 0),
                arg(DNNL_ARG_SCALE_SHIFT, false, scaleShift, dnnl_nc, bfpd, dnnl_query_weights_md),
                arg(DNNL_ARG_DST, true, g.dst(), dnnl_nchw, bfpd, dnnl_query_dst_md),
                arg(DNNL_ARG_MEAN, true, vector, dnnl_x, bfpd, dnnl_query_dst_md, 1),
                arg(DNNL_ARG_VARIANCE, true, vector, dnnl_x, bfpd, dnnl_query_dst_md, 2),
                arg(DNNL_ARG_WORKSPACE, true, workspace, bfpd, dnnl_query_workspace_md, 0));

        dnnl_batch_normalization_desc_t bbd = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_backward_desc_init(bbd, dnnl_backward, blocked, blocked, e, flags),
                "batch norm backward descriptor");
        dnnl_primitive_desc bbpd = primitiveDesc(bbd, bfpd);
        bnBackward = new Pass(bbpd, "batch norm backward",
                arg(DNNL_ARG_SRC, false, blocked, bbpd, dnnl_query_src_md, 0),
                arg(DNNL_ARG_MEAN, false, vector, dnnl_x, bbpd, dnnl_query_src_md, 1),
                arg(DNNL_ARG_VARIANCE, false, vector, dnnl_x, bbpd, dnnl_query_src_md, 2),
                arg(DNNL_ARG_DIFF_DST, false, g.dst(), dnnl_nchw, bbpd, dnnl_query_diff_dst_md),
                arg(DNNL_ARG_SCALE_SHIFT, false, scaleShift, dnnl_nc, bbpd, dnnl_query_weights_md),
                arg(DNNL_ARG_WORKSPACE, false, workspace, bbpd, dnnl_query_workspace_md, 0),
                arg(DNNL_ARG_DIFF_SRC, true, blocked, bbpd, dnnl_query_diff_src_md, 0),
                arg(DNNL_ARG_DIFF_SCALE_SHIFT, true, scaleShift, dnnl_nc, bbpd, dnnl_query_diff_weights_md));

        dnnl_primitive_desc dpd = OneDnnConvolution.backwardDataDesc(this, g, cfpd);
        convBackwardData = new Pass(dpd, "convolution backward data",
                arg(DNNL_ARG_DIFF_DST, false, blocked, dpd, dnnl_query_diff_dst_md, 0),
                arg(DNNL_ARG_WEIGHTS, false, g.weights(), dnnl_oihw, dpd, dnnl_query_weights_md),
                arg(DNNL_ARG_DIFF_SRC, true, g.src(), dnnl_nchw, dpd, dnnl_query_diff_src_md));

        dnnl_primitive_desc wpd = OneDnnConvolution.backwardWeightsDesc(this, g, cfpd);
        convBackwardWeights = new Pass(wpd, "convolution backward weights",
                arg(DNNL_ARG_SRC, false, g.src(), dnnl_nchw, wpd, dnnl_query_src_md),
                arg(DNNL_ARG_DIFF_DST, false, blocked, wpd, dnnl_query_diff_dst_md, 0),
                arg(DNNL_ARG_DIFF_WEIGHTS, true, g.weights(), dnnl_oihw, wpd, dnnl_query_diff_weights_md));
    }

    private static String describe(dnnl_memory_desc_t md, long[] dims) {
        for (int tag : new int[]{dnnl_nChw16c, dnnl_nChw8c, dnnl_nchw, dnnl_nhwc}) {
            if (dnnl_memory_desc_equal(md, desc(dims, tag)) == 1) {
                return tag == dnnl_nChw16c ? "nChw16c" : tag == dnnl_nChw8c ? "nChw8c" : tag == dnnl_nchw ? "nchw" : "nhwc";
            }
        }
        return "another layout";
    }

    /** What the forward pass leaves for the backward pass: z in the blocked layout, the batch statistics, the ReLU mask. */
    record Saved(INDArray z, INDArray mean, INDArray variance, INDArray workspace) {
    }

    /**
     * Training forward pass: y (NCHW) from x (NCHW), W (OIHW) and the [2, C] scale and shift (gamma in row 0, beta in
     * row 1). The saved arrays come from {@code mgr} as {@code savedType} (they must live until {@link #backward}).
     */
    Saved forward(INDArray x, INDArray w, INDArray scaleShift, INDArray y, INDArray mean, INDArray variance,
                  LayerWorkspaceMgr mgr, ArrayType savedType) {
        INDArray z = alignedView(mgr, savedType, blockedElements);
        INDArray workspace = alignedView(mgr, savedType, workspaceElements);
        convForward.run(mgr, ArrayType.FF_WORKING_MEM, x, w, z);
        bnForward.run(mgr, ArrayType.FF_WORKING_MEM, z, scaleShift, y, mean, variance, workspace);
        return new Saved(z, mean, variance, workspace);
    }

    /**
     * Backward pass: dL/dx ({@code dx} null: not computed), dL/dW and the [2, C] gradients of gamma (row 0) and beta
     * (row 1), from x, W, the scale and shift, dL/dy and what the forward pass saved.
     */
    void backward(INDArray x, INDArray w, INDArray scaleShift, Saved saved, INDArray dy, INDArray dx, INDArray dw,
                  INDArray dScaleShift, LayerWorkspaceMgr mgr) {
        INDArray dz = alignedView(mgr, ArrayType.BP_WORKING_MEM, blockedElements);
        bnBackward.run(mgr, ArrayType.BP_WORKING_MEM, saved.z(), saved.mean(), saved.variance(), dy, scaleShift,
                saved.workspace(), dz, dScaleShift);
        if (dx != null) {
            convBackwardData.run(mgr, ArrayType.BP_WORKING_MEM, dz, w, dx);
        }
        convBackwardWeights.run(mgr, ArrayType.BP_WORKING_MEM, x, dz, dw);
    }

    /** oneDNN's layout of z and dL/dz, for diagnosis. */
    String layout() {
        return layout;
    }
}
