package io.github.dl4jssl.layers.impl;

import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * Session 22 probe: what oneDNN's batch normalization (training statistics, scale and shift, fused ReLU) costs in the
 * channel-blocked layout the convolutions produce (nChw16c on AVX-512), forward and backward, median of REPS calls
 * after warm-up; and the same on plain NCHW. Compared with the current batch norm + ReLU layers' times
 * ({@code bench --layer-times}). Not project code.
 *
 * <pre>java -cp out:$CP io.github.dl4jssl.layers.impl.BnBlockedProbe N C H W REPS [tag]</pre>
 */
public final class BnBlockedProbe {

    /** With -Dflush=true, a 96 MiB array is written before each timed call, so that the call starts with cold caches. */
    static final boolean FLUSH = Boolean.getBoolean("flush");
    private static INDArray flushArray;

    static void flush() {
        if (FLUSH) {
            if (flushArray == null) {
                try (org.nd4j.linalg.api.memory.MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    flushArray = Nd4j.create(DataType.FLOAT, 24L << 20);
                }
            }
            flushArray.addi(1.0f);
        }
    }

    public static void main(String[] a) {
        long n = Long.parseLong(a[0]), c = Long.parseLong(a[1]), h = Long.parseLong(a[2]), w = Long.parseLong(a[3]);
        int reps = Integer.parseInt(a[4]);
        String[] tags = a.length > 5 ? a[5].split(",") : new String[]{"nChw16c", "nchw"};
        for (int i = 0; i < 2; i++) {
            double[][] o = ours(new long[]{n, c, h, w}, reps);
            System.out.printf("ours [%d,%d,%d,%d] NativeBatchNormalization + NativeActivationLayer(relu): forward %.2f (min %.2f) ms, backward %.2f (min %.2f) ms%n",
                    n, c, h, w, median(o[0]), min(o[0]), median(o[1]), min(o[1]));
        }
        for (int t : new int[]{dnnl_nChw16c}) {
            double[][] r = reorders(new long[]{n, c, h, w}, t, reps);
            System.out.printf("reorder [%d,%d,%d,%d] nchw -> blocked %.2f (min %.2f) ms, blocked -> nchw %.2f (min %.2f) ms%n",
                    n, c, h, w, median(r[0]), min(r[0]), median(r[1]), min(r[1]));
        }
        for (String tag : tags) {
            int t = tag.equals("nChw16c") ? dnnl_nChw16c : tag.equals("nChw8c") ? dnnl_nChw8c : dnnl_nchw;
            for (boolean relu : new boolean[]{true, false}) {
                double[][] ms = run(new long[]{n, c, h, w}, t, relu, reps);
                System.out.printf("%s [%d,%d,%d,%d] %s relu=%s: forward %.2f (min %.2f) ms, backward %.2f (min %.2f) ms%n",
                        "bn", n, c, h, w, tag, relu, median(ms[0]), min(ms[0]), median(ms[1]), min(ms[1]));
            }
        }
    }

    static double[][] run(long[] dims, int tag, boolean relu, int reps) {
        long elements = dims[0] * dims[1] * dims[2] * dims[3];
        long ch = dims[1];
        int flags = dnnl_use_scaleshift | (relu ? dnnl_fuse_norm_relu : 0);
        dnnl_memory_desc_t data = OneDnnOperation.desc(dims, tag);
        float eps = 1e-5f;
        dnnl_batch_normalization_desc_t fd = new dnnl_batch_normalization_desc_t();
        OneDnnOperation.check(dnnl_batch_normalization_forward_desc_init(fd, dnnl_forward_training, data, eps, flags), "fwd desc");
        dnnl_primitive_desc fpd = new dnnl_primitive_desc();
        OneDnnOperation.check(dnnl_primitive_desc_create(fpd, new org.bytedeco.dnnl.const_dnnl_op_desc_t(fd), null,
                OneDnnOperation.ENGINE, null), "fwd pd");
        dnnl_batch_normalization_desc_t bd = new dnnl_batch_normalization_desc_t();
        OneDnnOperation.check(dnnl_batch_normalization_backward_desc_init(bd, dnnl_backward, data, data, eps, flags), "bwd desc");
        dnnl_primitive_desc bpd = new dnnl_primitive_desc();
        OneDnnOperation.check(dnnl_primitive_desc_create(bpd, new org.bytedeco.dnnl.const_dnnl_op_desc_t(bd), null,
                OneDnnOperation.ENGINE, fpd), "bwd pd");
        System.out.println("  implementations: " + impl(fpd) + " / " + impl(bpd));
        dnnl_primitive fwd = new dnnl_primitive();
        OneDnnOperation.check(dnnl_primitive_create(fwd, fpd), "fwd");
        dnnl_primitive bwd = new dnnl_primitive();
        OneDnnOperation.check(dnnl_primitive_create(bwd, bpd), "bwd");

        dnnl_memory x = mem(data, elements, true);
        dnnl_memory y = mem(data, elements, false);
        dnnl_memory dy = mem(data, elements, true);
        dnnl_memory dx = mem(data, elements, false);
        dnnl_memory_desc_t vec = OneDnnOperation.desc(new long[]{ch}, dnnl_x);
        dnnl_memory_desc_t ss = OneDnnOperation.desc(new long[]{2, ch}, dnnl_nc);
        dnnl_memory mean = mem(vec, ch, false);
        dnnl_memory var = mem(vec, ch, false);
        dnnl_memory scaleShift = mem(ss, 2 * ch, true);
        dnnl_memory dScaleShift = mem(ss, 2 * ch, false);
        dnnl_memory_desc_t wsd = dnnl_primitive_desc_query_md(fpd, dnnl_query_workspace_md, 0);
        dnnl_memory ws = relu ? mem(wsd, (dnnl_memory_desc_get_size(wsd) + 3) / 4, false) : null;

        dnnl_stream stream = new dnnl_stream();
        OneDnnOperation.check(dnnl_stream_create(stream, OneDnnOperation.ENGINE, dnnl_stream_default_flags), "stream");
        int[] fk = relu ? new int[]{DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_SCALE_SHIFT, DNNL_ARG_WORKSPACE}
                : new int[]{DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_SCALE_SHIFT};
        dnnl_memory[] fm = relu ? new dnnl_memory[]{x, y, mean, var, scaleShift, ws} : new dnnl_memory[]{x, y, mean, var, scaleShift};
        int[] bk = relu ? new int[]{DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE_SHIFT,
                DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE_SHIFT}
                : new int[]{DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE_SHIFT,
                DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE_SHIFT};
        dnnl_memory[] bm = relu ? new dnnl_memory[]{x, mean, var, dy, scaleShift, ws, dx, dScaleShift}
                : new dnnl_memory[]{x, mean, var, dy, scaleShift, dx, dScaleShift};
        double[] f = new double[reps];
        double[] b = new double[reps];
        for (int i = -5; i < reps; i++) {
            flush();
            long t0 = System.nanoTime();
            exec(fwd, stream, fk, fm);
            long t1 = System.nanoTime();
            flush();
            long t1b = System.nanoTime();
            exec(bwd, stream, bk, bm);
            long t2 = System.nanoTime() - (t1b - t1);
            if (i >= 0) {
                f[i] = (t1 - t0) / 1e6;
                b[i] = (t2 - t1) / 1e6;
            }
        }
        return new double[][]{f, b};
    }

    /** The current layers, batch norm then ReLU, in training mode, without workspaces. */
    static double[][] ours(long[] dims, int reps) {
        org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT).list()
                .layer(new io.github.dl4jssl.layers.NativeBatchNormalization.Builder().nOut(dims[1]).build())
                .layer(new io.github.dl4jssl.layers.NativeActivationLayer(org.nd4j.linalg.activations.Activation.RELU))
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(dims[2], dims[3], dims[1]))
                .build();
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(conf);
        net.init();
        net.initGradientsView();
        org.deeplearning4j.nn.api.Layer bn = net.getLayer(0);
        org.deeplearning4j.nn.api.Layer relu = net.getLayer(1);
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration wc = org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder()
                .initialSize(0).overallocationLimit(0.05)
                .policyLearning(org.nd4j.linalg.api.memory.enums.LearningPolicy.FIRST_LOOP)
                .policyReset(org.nd4j.linalg.api.memory.enums.ResetPolicy.BLOCK_LEFT)
                .policySpill(org.nd4j.linalg.api.memory.enums.SpillPolicy.REALLOCATE)
                .policyAllocation(org.nd4j.linalg.api.memory.enums.AllocationPolicy.OVERALLOCATE).build();
        // as LayerTimes (bench --layer-times): one workspace for everything, reset every repetition
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.builder()
                .defaultWorkspace("BN_PROBE", wc).build();
        INDArray x = Nd4j.rand(DataType.FLOAT, dims).subi(0.3);
        INDArray dy = Nd4j.rand(DataType.FLOAT, dims).subi(0.5);
        double[] f = new double[reps];
        double[] b = new double[reps];
        for (int i = -5; i < reps; i++) {
          try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = mgr.notifyScopeEntered(org.deeplearning4j.nn.workspace.ArrayType.ACTIVATIONS)) {
            flush();
            long t0 = System.nanoTime();
            INDArray y = relu.activate(bn.activate(x, true, mgr), true, mgr);
            long t1 = System.nanoTime();
            flush();
            long t1b = System.nanoTime();
            INDArray dx = bn.backpropGradient(relu.backpropGradient(dy, mgr).getSecond(), mgr).getSecond();
            long t2 = System.nanoTime() - (t1b - t1);
            if (i >= 0) {
                f[i] = (t1 - t0) / 1e6;
                b[i] = (t2 - t1) / 1e6;
            }
          }
        }
        return new double[][]{f, b};
    }

    static double[][] reorders(long[] dims, int tag, int reps) {
        long elements = dims[0] * dims[1] * dims[2] * dims[3];
        dnnl_memory_desc_t plain = OneDnnOperation.desc(dims, dnnl_nchw);
        dnnl_memory_desc_t blocked = OneDnnOperation.desc(dims, tag);
        dnnl_primitive_desc in = new dnnl_primitive_desc();
        OneDnnOperation.check(dnnl_reorder_primitive_desc_create(in, plain, OneDnnOperation.ENGINE, blocked, OneDnnOperation.ENGINE, null), "rd");
        dnnl_primitive_desc out = new dnnl_primitive_desc();
        OneDnnOperation.check(dnnl_reorder_primitive_desc_create(out, blocked, OneDnnOperation.ENGINE, plain, OneDnnOperation.ENGINE, null), "rd");
        dnnl_primitive pin = new dnnl_primitive();
        OneDnnOperation.check(dnnl_primitive_create(pin, in), "p");
        dnnl_primitive pout = new dnnl_primitive();
        OneDnnOperation.check(dnnl_primitive_create(pout, out), "p");
        dnnl_memory a = mem(plain, elements, true);
        dnnl_memory b = mem(blocked, elements, false);
        dnnl_memory a2 = mem(plain, elements, false);
        dnnl_stream stream = new dnnl_stream();
        OneDnnOperation.check(dnnl_stream_create(stream, OneDnnOperation.ENGINE, dnnl_stream_default_flags), "stream");
        double[] f = new double[reps];
        double[] g = new double[reps];
        for (int i = -5; i < reps; i++) {
            flush();
            long t0 = System.nanoTime();
            exec(pin, stream, new int[]{DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory[]{a, b});
            long t1 = System.nanoTime();
            flush();
            long t1b = System.nanoTime();
            exec(pout, stream, new int[]{DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory[]{b, a2});
            long t2 = System.nanoTime() - (t1b - t1);
            if (i >= 0) {
                f[i] = (t1 - t0) / 1e6;
                g[i] = (t2 - t1) / 1e6;
            }
        }
        return new double[][]{f, g};
    }

    private static String impl(dnnl_primitive_desc pd) {
        org.bytedeco.javacpp.BytePointer s = new org.bytedeco.javacpp.BytePointer((Pointer) null);
        org.bytedeco.javacpp.PointerPointer<org.bytedeco.javacpp.BytePointer> pp = new org.bytedeco.javacpp.PointerPointer<>(1);
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, pp);
        return pp.get(org.bytedeco.javacpp.BytePointer.class, 0).getString();
    }

    /** Keeps the arrays reachable: the memories point into them. */
    private static final java.util.List<INDArray> KEEP = new java.util.ArrayList<>();

    private static dnnl_memory mem(dnnl_memory_desc_t md, long floats, boolean random) {
        INDArray a = random ? Nd4j.rand(DataType.FLOAT, floats + 16).subi(0.3) : Nd4j.zeros(DataType.FLOAT, floats + 16);
        KEEP.add(a);
        dnnl_memory m = new dnnl_memory();
        OneDnnOperation.check(dnnl_memory_create(m, md, OneDnnOperation.ENGINE, OneDnnOperation.aligned(a)), "memory");
        return m;
    }

    private static void exec(dnnl_primitive p, dnnl_stream s, int[] keys, dnnl_memory[] mems) {
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(keys.length);
        for (int i = 0; i < keys.length; i++) {
            args.getPointer(i).arg(keys[i]).memory(mems[i]);
        }
        OneDnnOperation.check(dnnl_primitive_execute(p, s, keys.length, args), "execute");
        OneDnnOperation.check(dnnl_stream_wait(s), "wait");
        args.close();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }
}
