package io.github.dl4jssl.layers.impl;

import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * Per-channel affine maps of a float NCHW array in one pass, as oneDNN's binary primitive with post-ops (per-channel
 * operands broadcast from {@code [1, C, 1, 1]}); the last step of {@link NativeBatchNormalizationImpl}'s forward and
 * backward passes, which libnd4j would run as two to four separate passes over the activations:
 * <ul>
 *   <li>{@link #scaleShift}: y = x * a + b (forward: a = gamma / sqrt(var + eps), b = beta, on centred x);</li>
 *   <li>{@link #combine}: y = (x * a + b + t) * g, t a full-size array (backward: x the centred input, t = dL/dy).</li>
 * </ul>
 * The output may be the input array (in place). Float only, maps larger than 1x1 (oneDNN 2.5 broadcast the
 * per-channel values wrongly on [N, C, 1, 1], where NCHW and NHWC coincide); not thread-safe (one instance per layer
 * instance).
 */
final class OneDnnChannelAffine extends OneDnnOperation {

    private final Pass pass;

    /** @param withTensor false: {@link #scaleShift}; true: {@link #combine} */
    OneDnnChannelAffine(long[] nchw, boolean withTensor) {
        super((withTensor ? "per-channel combine of " : "per-channel scale and shift of ") + java.util.Arrays.toString(nchw));
        if (nchw.length != 4 || nchw[2] * nchw[3] < 2) {
            // on [N, C, 1, 1] oneDNN 2.5's jit:uni broadcast gave wrong values (OneDnnChannelAffineTest)
            throw new IllegalArgumentException("OneDnnChannelAffine needs an NCHW shape with maps larger than 1x1, got "
                    + java.util.Arrays.toString(nchw));
        }
        long[] channel = {1, nchw[1], 1, 1};
        dnnl_binary_desc_t bd = new dnnl_binary_desc_t();
        check(dnnl_binary_desc_init(bd, dnnl_binary_mul, desc(nchw, dnnl_nchw), desc(channel, dnnl_nchw),
                desc(nchw, dnnl_nchw)), "binary descriptor");
        dnnl_post_ops ops = new dnnl_post_ops();
        check(dnnl_post_ops_create(ops), "post-ops");
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(attr), "attributes");
        dnnl_primitive_desc pd;
        try {
            check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, desc(channel, dnnl_nchw)), "post-op");
            if (withTensor) {
                check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, desc(nchw, dnnl_nchw)), "post-op");
                check(dnnl_post_ops_append_binary(ops, dnnl_binary_mul, desc(channel, dnnl_nchw)), "post-op");
            }
            check(dnnl_primitive_attr_set_post_ops(attr, ops), "attributes");
            pd = primitiveDesc(bd, attr, null);
        } finally {
            dnnl_post_ops_destroy(ops);
            dnnl_primitive_attr_destroy(attr);
        }
        int postOps = withTensor ? 3 : 1;
        Arg[] args = new Arg[3 + postOps];
        args[0] = arg(DNNL_ARG_SRC_0, false, nchw, dnnl_nchw, pd, dnnl_query_src_md, 0);
        args[1] = arg(DNNL_ARG_SRC_1, false, channel, dnnl_nchw, pd, dnnl_query_src_md, 1);
        for (int i = 0; i < postOps; i++) {
            int key = DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (i + 1) | DNNL_ARG_SRC_1;
            args[2 + i] = arg(key, false, i == 1 ? nchw : channel, dnnl_nchw, pd, dnnl_query_exec_arg_md, key);
        }
        args[2 + postOps] = arg(DNNL_ARG_DST, true, nchw, dnnl_nchw, pd, dnnl_query_dst_md);
        pass = new Pass(pd, withTensor ? "combine" : "scale and shift", args);
    }

    /** y = x * a + b per channel; a and b hold C floats. */
    void scaleShift(INDArray x, INDArray a, INDArray b, INDArray y, LayerWorkspaceMgr mgr) {
        pass.run(mgr, ArrayType.FF_WORKING_MEM, x, a, b, y);
    }

    /** y = (x * a + b + t) * g per channel; a, b, g hold C floats, t is shaped like x. */
    void combine(INDArray x, INDArray a, INDArray b, INDArray t, INDArray g, INDArray y, LayerWorkspaceMgr mgr) {
        pass.run(mgr, ArrayType.BP_WORKING_MEM, x, a, b, t, g, y);
    }

    /** oneDNN's name of the implementation it chose (e.g. "jit:uni"; "ref:any" is its slow reference code). */
    String implementation() {
        return pass.implementation();
    }
}
