package io.github.dl4jssl.layers.impl;

import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * oneDNN's ReLU (eltwise, alpha 0) for one float array length: forward max(x, 0) and backward dL/dx = dL/dy where
 * x &gt; 0, else 0. Its forward pass maps NaN to 0 (DL4J's keeps NaN), so {@link NativeActivationLayerImpl} uses only
 * the backward pass. That equals DL4J's wherever x and dL/dy are numbers; where one of them is NaN it may differ (a NaN
 * x passes dL/dy through, a NaN dL/dy stays NaN where x &lt;= 0; DL4J gives 0 for both), but never drops a NaN that
 * DL4J keeps. A step with a NaN in its forward pass has a NaN loss, which training stops or skips before any update. Used by {@link NativeActivationLayerImpl}: libnd4j's {@code relu_bp} took 44 ms for SmallCnn's four
 * ReLUs at batch 2x256, ten times their forward pass (docs/bench/onednn-s14). The arrays are seen as flat vectors.
 */
final class OneDnnRelu extends OneDnnOperation {

    private final Pass forward;
    private final Pass backward;

    OneDnnRelu(long length) {
        super("ReLU of " + length + " values");
        long[] dims = {length};
        dnnl_eltwise_desc_t fd = new dnnl_eltwise_desc_t();
        check(dnnl_eltwise_forward_desc_init(fd, dnnl_forward_training, dnnl_eltwise_relu, desc(dims, dnnl_x), 0f, 0f),
                "forward descriptor");
        dnnl_primitive_desc fpd = primitiveDesc(fd, null);
        forward = new Pass(fpd, "forward",
                arg(DNNL_ARG_SRC, false, dims, dnnl_x, fpd, dnnl_query_src_md),
                arg(DNNL_ARG_DST, true, dims, dnnl_x, fpd, dnnl_query_dst_md));
        dnnl_eltwise_desc_t bd = new dnnl_eltwise_desc_t();
        check(dnnl_eltwise_backward_desc_init(bd, dnnl_eltwise_relu, desc(dims, dnnl_x), desc(dims, dnnl_x), 0f, 0f),
                "backward descriptor");
        dnnl_primitive_desc bpd = primitiveDesc(bd, fpd);
        backward = new Pass(bpd, "backward",
                arg(DNNL_ARG_SRC, false, dims, dnnl_x, bpd, dnnl_query_src_md),
                arg(DNNL_ARG_DIFF_DST, false, dims, dnnl_x, bpd, dnnl_query_diff_dst_md),
                arg(DNNL_ARG_DIFF_SRC, true, dims, dnnl_x, bpd, dnnl_query_diff_src_md));
    }

    void forward(INDArray x, INDArray y, LayerWorkspaceMgr mgr) {
        forward.run(mgr, ArrayType.FF_WORKING_MEM, x, y);
    }

    void backward(INDArray x, INDArray dy, INDArray dx, LayerWorkspaceMgr mgr) {
        backward.run(mgr, ArrayType.BP_WORKING_MEM, x, dy, dx);
    }
}
