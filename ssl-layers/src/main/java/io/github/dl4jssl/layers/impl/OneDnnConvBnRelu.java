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
 * <p>With G &gt; 1 batch-norm groups (MoCo's shuffle BN, {@code NativeConvBnRelu.Builder#batchNormGroups}) the batch
 * norm runs once per group of B/G consecutive images, each with its own statistics: in the channel-blocked layouts
 * (and the plain ones) an image is one contiguous block of z, so a group is a contiguous slice of it.</p>
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
    /** Floats of an array in the blocked layout (z, dL/dz), of one group's slice of it and of one group's ReLU mask. */
    private final long blockedElements;
    private final long groupElements;
    private final long workspaceElements;
    private final int groups;
    private final String layout;

    /** The chain with one batch-norm group (statistics over the whole batch). */
    OneDnnConvBnRelu(OneDnnConvolution.Geometry g, double eps) {
        this(g, eps, 1);
    }

    /**
     * The chain whose batch norm computes its statistics over {@code groups} groups of consecutive images
     * ({@code g}'s batch divisible by it); {@link IllegalArgumentException} where oneDNN's layout of z does not keep
     * an image contiguous (then the caller runs the layers' own code).
     */
    OneDnnConvBnRelu(OneDnnConvolution.Geometry g, double eps, int groups) {
        super("convolution + batch norm + ReLU " + g + (groups > 1 ? ", " + groups + " batch-norm groups" : ""));
        if (!g.consistent() || g.bias()) {
            close();
            throw new IllegalArgumentException("oneDNN cannot describe this convolution without bias: " + g);
        }
        long[] dst = g.dst();
        if (groups < 1 || dst[0] % groups != 0) {
            close();
            throw new IllegalArgumentException("a batch of " + dst[0] + " images does not split into " + groups + " groups");
        }
        this.groups = groups;
        dnnl_primitive_desc cfpd = OneDnnConvolution.forwardDesc(this, g);
        dnnl_memory_desc_t blocked = wanted(cfpd, dnnl_query_dst_md, 0);
        layout = describe(blocked, dst);
        blockedElements = elements(blocked);
        dnnl_memory_desc_t group = blocked;
        if (groups > 1) {
            int tag = TAGS.getOrDefault(layout, -1);
            group = tag < 0 ? null : desc(new long[]{dst[0] / groups, dst[1], dst[2], dst[3]}, tag);
            if (group == null || elements(group) * groups != blockedElements) {
                close();
                throw new IllegalArgumentException("oneDNN's layout of the convolution's output (" + layout
                        + ") does not keep each image contiguous, so its batch cannot be split into groups");
            }
        }
        groupElements = elements(group);
        long[] groupDst = {dst[0] / groups, dst[1], dst[2], dst[3]};
        convForward = new Pass(cfpd, "convolution forward",
                arg(DNNL_ARG_SRC, false, g.src(), dnnl_nchw, cfpd, dnnl_query_src_md),
                arg(DNNL_ARG_WEIGHTS, false, g.weights(), dnnl_oihw, cfpd, dnnl_query_weights_md),
                arg(DNNL_ARG_DST, true, blocked, cfpd, dnnl_query_dst_md, 0));

        float e = (float) eps;
        int flags = dnnl_use_scaleshift | dnnl_fuse_norm_relu;
        long[] vector = {g.outC()};
        long[] scaleShift = {2, g.outC()};
        dnnl_batch_normalization_desc_t bfd = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_forward_desc_init(bfd, dnnl_forward_training, group, e, flags),
                "batch norm forward descriptor");
        dnnl_primitive_desc bfpd = primitiveDesc(bfd, null);
        dnnl_memory_desc_t workspace = wanted(bfpd, dnnl_query_workspace_md, 0);
        workspaceElements = elements(workspace);
        bnForward = new Pass(bfpd, "batch norm forward",
                arg(DNNL_ARG_SRC, false, group, bfpd, dnnl_query_src_md, 0),
                arg(DNNL_ARG_SCALE_SHIFT, false, scaleShift, dnnl_nc, bfpd, dnnl_query_weights_md),
                arg(DNNL_ARG_DST, true, groupDst, dnnl_nchw, bfpd, dnnl_query_dst_md),
                arg(DNNL_ARG_MEAN, true, vector, dnnl_x, bfpd, dnnl_query_dst_md, 1),
                arg(DNNL_ARG_VARIANCE, true, vector, dnnl_x, bfpd, dnnl_query_dst_md, 2),
                arg(DNNL_ARG_WORKSPACE, true, workspace, bfpd, dnnl_query_workspace_md, 0));

        dnnl_batch_normalization_desc_t bbd = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_backward_desc_init(bbd, dnnl_backward, group, group, e, flags),
                "batch norm backward descriptor");
        dnnl_primitive_desc bbpd = primitiveDesc(bbd, bfpd);
        bnBackward = new Pass(bbpd, "batch norm backward",
                arg(DNNL_ARG_SRC, false, group, bbpd, dnnl_query_src_md, 0),
                arg(DNNL_ARG_MEAN, false, vector, dnnl_x, bbpd, dnnl_query_src_md, 1),
                arg(DNNL_ARG_VARIANCE, false, vector, dnnl_x, bbpd, dnnl_query_src_md, 2),
                arg(DNNL_ARG_DIFF_DST, false, groupDst, dnnl_nchw, bbpd, dnnl_query_diff_dst_md),
                arg(DNNL_ARG_SCALE_SHIFT, false, scaleShift, dnnl_nc, bbpd, dnnl_query_weights_md),
                arg(DNNL_ARG_WORKSPACE, false, workspace, bbpd, dnnl_query_workspace_md, 0),
                arg(DNNL_ARG_DIFF_SRC, true, group, bbpd, dnnl_query_diff_src_md, 0),
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

    /** The layouts in which each image is one contiguous block of z, by the names {@link #describe} gives them. */
    private static final java.util.Map<String, Integer> TAGS =
            java.util.Map.of("nChw16c", dnnl_nChw16c, "nChw8c", dnnl_nChw8c, "nchw", dnnl_nchw, "nhwc", dnnl_nhwc);

    private static String describe(dnnl_memory_desc_t md, long[] dims) {
        for (java.util.Map.Entry<String, Integer> t : TAGS.entrySet()) {
            if (dnnl_memory_desc_equal(md, desc(dims, t.getValue())) == 1) {
                return t.getKey();
            }
        }
        return "another layout";
    }

    /** The number of batch-norm groups. */
    int groups() {
        return groups;
    }

    /**
     * What the forward pass leaves for the backward pass: z in the blocked layout, the batch statistics ([G, C]: one
     * row per group), the ReLU mask.
     */
    record Saved(INDArray z, INDArray mean, INDArray variance, INDArray workspace) {
    }

    /** Images [g N/G, (g+1) N/G) of an NCHW array of N images in G groups (the array itself for one group). */
    static INDArray images(INDArray a, long g, int groups) {
        if (groups == 1) {
            return a;
        }
        long per = a.size(0) / groups;
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(g * per, (g + 1) * per),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
    }

    /** Group g's batch statistics: row g of [G, C] (or the C-vector itself). */
    private static INDArray statistics(INDArray stats, long g) {
        return stats.rank() == 1 ? stats : stats.getRow(g);
    }

    /** Group g's slice of a flat array holding one block of {@code per} floats per group. */
    private static INDArray block(INDArray flat, long g, long per) {
        return flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(g * per, (g + 1) * per));
    }

    /**
     * Training forward pass: y (NCHW) from x (NCHW), W (OIHW) and the [2, C] scale and shift (gamma in row 0, beta in
     * row 1); {@code mean} and {@code variance} [G, C] receive each group's batch statistics. The saved arrays come
     * from {@code mgr} as {@code savedType} (they must live until {@link #backward}).
     */
    Saved forward(INDArray x, INDArray w, INDArray scaleShift, INDArray y, INDArray mean, INDArray variance,
                  LayerWorkspaceMgr mgr, ArrayType savedType) {
        INDArray z = alignedView(mgr, savedType, blockedElements);
        INDArray workspace = alignedView(mgr, savedType, workspaceElements * groups);
        convForward.run(mgr, ArrayType.FF_WORKING_MEM, x, w, z);
        for (long g = 0; g < groups; g++) {
            bnForward.run(mgr, ArrayType.FF_WORKING_MEM, block(z, g, groupElements), scaleShift, images(y, g, groups),
                    statistics(mean, g), statistics(variance, g), block(workspace, g, workspaceElements));
        }
        if (!finite(mean) || !finite(variance) || !finite(scaleShift)) {
            y.assign(Float.NaN);
        }
        return new Saved(z, mean, variance, workspace);
    }

    /**
     * Whether a small array (batch statistics, scale and shift) holds only finite values. oneDNN's fused ReLU maps NaN
     * to 0, so a NaN in the input or the parameters would leave a finite output (and a finite loss, but NaN gradients
     * that the NaN guards of training could not see before the update); the three layers give NaN. NaN anywhere in x
     * or W reaches the batch statistics, so checking them and gamma, beta suffices: the output is then all NaN.
     */
    private static boolean finite(INDArray small) {
        return Double.isFinite(small.sumNumber().doubleValue());
    }

    /**
     * Backward pass: dL/dx ({@code dx} null: not computed), dL/dW and the [2, C] gradients of gamma (row 0) and beta
     * (row 1, summed over the groups), from x, W, the scale and shift, dL/dy and what the forward pass saved.
     */
    void backward(INDArray x, INDArray w, INDArray scaleShift, Saved saved, INDArray dy, INDArray dx, INDArray dw,
                  INDArray dScaleShift, LayerWorkspaceMgr mgr) {
        INDArray dz = alignedView(mgr, ArrayType.BP_WORKING_MEM, blockedElements);
        INDArray dGroup = groups == 1 ? dScaleShift : dScaleShift.ulike();
        for (long g = 0; g < groups; g++) {
            bnBackward.run(mgr, ArrayType.BP_WORKING_MEM, block(saved.z(), g, groupElements), statistics(saved.mean(), g),
                    statistics(saved.variance(), g), images(dy, g, groups), scaleShift, block(saved.workspace(), g, workspaceElements),
                    block(dz, g, groupElements), dGroup);
            if (groups > 1) {
                if (g == 0) {
                    dScaleShift.assign(dGroup);
                } else {
                    dScaleShift.addi(dGroup);
                }
            }
        }
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
