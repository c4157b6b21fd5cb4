package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeBuffers;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * The three convolution primitives of oneDNN (Intel's deep-learning kernel library, through bytedeco's JavaCPP
 * presets, {@code org.bytedeco:dnnl}) for one convolution geometry in float NCHW: forward, backward data (the input
 * gradient) and backward weights (the weight and bias gradients). oneDNN picks its own memory layout for each
 * primitive (channel-blocked, e.g. nChw16c, on AVX-512); the NCHW / OIHW arrays of DL4J are reordered into it and back
 * on every call, through workspace scratch arrays, so the layer's inputs, outputs and gradients stay DL4J's.
 *
 * <p>Why: this is what PyTorch's CPU convolution runs. SmallCnn's four convolutions at batch 512 took 73 ms forward
 * and 149 ms backward through these primitives, reorders included, against 203 and 404 ms for the column-matrix
 * products of {@link NativeConvolutionLayerImpl} (docs/bench/onednn-s14).</p>
 *
 * <p>Float only (oneDNN has no double convolution); the layer keeps its own path for other types. Not thread-safe:
 * one instance per layer instance, as DL4J's layers are. Native objects are destroyed by {@link #close}, or by a
 * cleaner when the instance becomes unreachable.</p>
 */
final class OneDnnConvolution implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OneDnnConvolution.class);
    private static final Cleaner CLEANER = Cleaner.create();
    private static final dnnl_engine ENGINE = loadEngine();

    private static dnnl_engine loadEngine() {
        try {
            dnnl_engine engine = new dnnl_engine();
            check(dnnl_engine_create(engine, dnnl_cpu, 0), "engine");
            return engine;
        } catch (Throwable e) { // no native binary for this platform, or a broken install: the layer's own path stays
            log.info("oneDNN is not available ({}); native convolutions use their matrix-product path", e.toString());
            return null;
        }
    }

    /** Whether oneDNN's native library loaded on this platform. */
    static boolean available() {
        return ENGINE != null;
    }

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

    private final Geometry g;
    private final Natives natives;
    private final Pass forward;
    private final Pass backwardData;
    private final Pass backwardWeights;

    OneDnnConvolution(Geometry g) {
        if (ENGINE == null) {
            throw new IllegalStateException("oneDNN is not available on this platform");
        }
        if (!g.consistent()) {
            throw new IllegalArgumentException("oneDNN cannot describe this convolution: " + g);
        }
        this.g = g;
        this.natives = new Natives();
        CLEANER.register(this, natives);
        dnnl_stream stream = new dnnl_stream();
        check(dnnl_stream_create(stream, ENGINE, dnnl_stream_default_flags), "stream");
        natives.stream = stream;
        int any = dnnl_format_tag_any;
        dnnl_memory_desc_t biasMd = g.bias() ? desc(new long[]{g.outC()}, dnnl_x) : null;

        dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_forward_desc_init(fd, dnnl_forward_training, dnnl_convolution_direct,
                desc(g.src(), any), desc(g.weights(), any), biasMd, desc(g.dst(), any), g.strides(), g.dilates(),
                g.padBefore(), g.padAfter()), "forward descriptor");
        dnnl_primitive_desc fpd = primitiveDesc(fd, null);
        forward = new Pass(fpd, "forward",
                arg(DNNL_ARG_SRC, false, g.src(), dnnl_nchw, fpd, dnnl_query_src_md),
                arg(DNNL_ARG_WEIGHTS, false, g.weights(), dnnl_oihw, fpd, dnnl_query_weights_md),
                g.bias() ? arg(DNNL_ARG_BIAS, false, new long[]{g.outC()}, dnnl_x, fpd, dnnl_query_weights_md, 1) : null,
                arg(DNNL_ARG_DST, true, g.dst(), dnnl_nchw, fpd, dnnl_query_dst_md));

        dnnl_convolution_desc_t dd = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_backward_data_desc_init(dd, dnnl_convolution_direct, desc(g.src(), any),
                desc(g.weights(), any), desc(g.dst(), any), g.strides(), g.dilates(), g.padBefore(), g.padAfter()),
                "backward-data descriptor");
        dnnl_primitive_desc dpd = primitiveDesc(dd, fpd);
        backwardData = new Pass(dpd, "backward data",
                arg(DNNL_ARG_DIFF_DST, false, g.dst(), dnnl_nchw, dpd, dnnl_query_diff_dst_md),
                arg(DNNL_ARG_WEIGHTS, false, g.weights(), dnnl_oihw, dpd, dnnl_query_weights_md),
                arg(DNNL_ARG_DIFF_SRC, true, g.src(), dnnl_nchw, dpd, dnnl_query_diff_src_md));

        dnnl_convolution_desc_t wd = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_backward_weights_desc_init(wd, dnnl_convolution_direct, desc(g.src(), any),
                desc(g.weights(), any), biasMd, desc(g.dst(), any), g.strides(), g.dilates(), g.padBefore(),
                g.padAfter()), "backward-weights descriptor");
        dnnl_primitive_desc wpd = primitiveDesc(wd, fpd);
        backwardWeights = new Pass(wpd, "backward weights",
                arg(DNNL_ARG_SRC, false, g.src(), dnnl_nchw, wpd, dnnl_query_src_md),
                arg(DNNL_ARG_DIFF_DST, false, g.dst(), dnnl_nchw, wpd, dnnl_query_diff_dst_md),
                arg(DNNL_ARG_DIFF_WEIGHTS, true, g.weights(), dnnl_oihw, wpd, dnnl_query_diff_weights_md),
                g.bias() ? arg(DNNL_ARG_DIFF_BIAS, true, new long[]{g.outC()}, dnnl_x, wpd, dnnl_query_diff_weights_md, 1) : null);
    }

    Geometry geometry() {
        return g;
    }

    /** The implementations oneDNN chose (e.g. "jit:avx512_common"), forward / backward data / backward weights. */
    String implementations() {
        return forward.implementation() + " / " + backwardData.implementation() + " / " + backwardWeights.implementation();
    }

    /** z = conv(x, W) + b, all NCHW / OIHW; {@code b} null without bias. */
    void forward(INDArray x, INDArray w, INDArray b, INDArray z, LayerWorkspaceMgr mgr) {
        forward.run(mgr, ArrayType.FF_WORKING_MEM, x, w, b, z);
    }

    /** dL/dx from dL/dz and W. */
    void backwardData(INDArray dz, INDArray w, INDArray dx, LayerWorkspaceMgr mgr) {
        backwardData.run(mgr, ArrayType.BP_WORKING_MEM, dz, w, dx);
    }

    /** dL/dW (and dL/db, {@code db} null without bias) from x and dL/dz, written over {@code dw} and {@code db}. */
    void backwardWeights(INDArray x, INDArray dz, INDArray dw, INDArray db, LayerWorkspaceMgr mgr) {
        backwardWeights.run(mgr, ArrayType.BP_WORKING_MEM, x, dz, dw, db);
    }

    @Override
    public void close() {
        natives.run();
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The native objects of one instance, destroyed once (by {@link #close} or the cleaner). */
    private static final class Natives implements Runnable {
        final List<dnnl_primitive> primitives = new ArrayList<>();
        final List<dnnl_primitive_desc> descs = new ArrayList<>();
        final List<dnnl_memory> memories = new ArrayList<>();
        dnnl_stream stream;
        private boolean done;

        @Override
        public synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            primitives.forEach(p -> dnnl_primitive_destroy(p));
            descs.forEach(d -> dnnl_primitive_desc_destroy(d));
            memories.forEach(m -> dnnl_memory_destroy(m));
            if (stream != null) {
                dnnl_stream_destroy(stream);
            }
        }
    }

    /**
     * One argument of a primitive: DL4J's plain array (its memory object's data handle is set on every call), and,
     * when the primitive wants another layout, a memory object in that layout over a scratch array and the reorder
     * between the two.
     */
    private record Arg(int key, boolean output, dnnl_memory user, dnnl_memory inner, dnnl_primitive reorder,
                       long innerElements) {
    }

    private final class Pass {
        private final dnnl_primitive primitive;
        private final dnnl_primitive_desc desc;
        private final String name;
        private final Arg[] args;

        Pass(dnnl_primitive_desc desc, String name, Arg... args) {
            this.desc = desc;
            this.name = name;
            this.args = args;
            this.primitive = primitive(desc);
        }

        String implementation() {
            org.bytedeco.javacpp.PointerPointer<org.bytedeco.javacpp.BytePointer> s = new org.bytedeco.javacpp.PointerPointer<>(1);
            check(dnnl_primitive_desc_query(desc, dnnl_query_impl_info_str, 0, s), "implementation query");
            return s.get(org.bytedeco.javacpp.BytePointer.class, 0).getString();
        }

        /** {@code arrays} in the order of {@link #args} (null for an absent bias). */
        void run(LayerWorkspaceMgr mgr, ArrayType scratchType, INDArray... arrays) {
            int count = 0;
            INDArray[] scratch = new INDArray[args.length];
            INDArray[] dense = new INDArray[args.length];
            for (int i = 0; i < args.length; i++) {
                Arg a = args[i];
                if (a == null) {
                    continue;
                }
                count++;
                dense[i] = a.output() ? denseOutput(arrays[i], mgr, scratchType) : denseInput(arrays[i], mgr, scratchType);
                check(dnnl_memory_set_data_handle(a.user(), address(dense[i])), "data handle");
                if (a.reorder() != null) {
                    scratch[i] = mgr.createUninitialized(scratchType, DataType.FLOAT, a.innerElements());
                    check(dnnl_memory_set_data_handle(a.inner(), address(scratch[i])), "data handle");
                    if (!a.output()) {
                        execute(a.reorder(), new int[]{DNNL_ARG_FROM, DNNL_ARG_TO}, a.user(), a.inner());
                    }
                }
            }
            int[] keys = new int[count];
            dnnl_memory[] mems = new dnnl_memory[count];
            int j = 0;
            for (Arg a : args) {
                if (a != null) {
                    keys[j] = a.key();
                    mems[j++] = a.inner();
                }
            }
            execute(primitive, keys, mems);
            for (int i = 0; i < args.length; i++) {
                Arg a = args[i];
                if (a != null && a.output()) {
                    if (a.reorder() != null) {
                        execute(a.reorder(), new int[]{DNNL_ARG_FROM, DNNL_ARG_TO}, a.inner(), a.user());
                    }
                    if (dense[i] != arrays[i]) {
                        arrays[i].assign(dense[i]);
                    }
                }
            }
            NativeBuffers.release(scratch);
            for (int i = 0; i < args.length; i++) {
                if (dense[i] != arrays[i]) {
                    NativeBuffers.release(dense[i]);
                }
            }
        }

        private void execute(dnnl_primitive p, int[] keys, dnnl_memory... mems) {
            dnnl_exec_arg_t a = new dnnl_exec_arg_t(keys.length);
            try {
                for (int i = 0; i < keys.length; i++) {
                    a.getPointer(i).arg(keys[i]).memory(mems[i]);
                }
                check(dnnl_primitive_execute(p, natives.stream, keys.length, a), name);
                check(dnnl_stream_wait(natives.stream), name);
            } finally {
                a.close();
            }
        }
    }

    /** An array in row-major order with DL4J's default strides, as oneDNN reads it: the array itself, or a copy. */
    private static INDArray denseInput(INDArray a, LayerWorkspaceMgr mgr, ArrayType type) {
        if (isDense(a)) {
            return a;
        }
        INDArray copy = mgr.createUninitialized(type, DataType.FLOAT, a.shape(), 'c');
        return copy.assign(a);
    }

    private static INDArray denseOutput(INDArray a, LayerWorkspaceMgr mgr, ArrayType type) {
        return isDense(a) ? a : mgr.createUninitialized(type, DataType.FLOAT, a.shape(), 'c');
    }

    /** Float, row-major with DL4J's default strides (dimensions of size 1 aside): what oneDNN's plain layouts read. */
    static boolean isDense(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            return false;
        }
        long expected = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            if (a.size(i) != 1 && a.stride(i) != expected) {
                return false;
            }
            expected *= a.size(i);
        }
        return true;
    }

    /** The address of an array's first element (ND4J's buffer pointer already includes a view's offset). */
    private static Pointer address(INDArray a) {
        return a.data().addressPointer();
    }

    private Arg arg(int key, boolean output, long[] dims, int plainTag, dnnl_primitive_desc pd, int query) {
        return arg(key, output, dims, plainTag, pd, query, 0);
    }

    private Arg arg(int key, boolean output, long[] dims, int plainTag, dnnl_primitive_desc pd, int query, int index) {
        dnnl_memory_desc_t plain = desc(dims, plainTag);
        dnnl_memory_desc_t wanted = dnnl_primitive_desc_query_md(pd, query, index);
        if (wanted == null || wanted.isNull()) {
            throw new IllegalStateException("oneDNN gave no memory descriptor for argument " + key + " of " + g);
        }
        dnnl_memory user = memory(plain);
        if (dnnl_memory_desc_equal(plain, wanted) == 1) {
            return new Arg(key, output, user, user, null, 0);
        }
        dnnl_memory inner = memory(wanted);
        dnnl_primitive_desc rd = new dnnl_primitive_desc();
        check(output ? dnnl_reorder_primitive_desc_create(rd, wanted, ENGINE, plain, ENGINE, null)
                : dnnl_reorder_primitive_desc_create(rd, plain, ENGINE, wanted, ENGINE, null), "reorder descriptor");
        natives.descs.add(rd);
        long bytes = dnnl_memory_desc_get_size(wanted);
        return new Arg(key, output, user, inner, primitive(rd), (bytes + 3) / 4);
    }

    private dnnl_memory memory(dnnl_memory_desc_t md) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, ENGINE, (Pointer) null), "memory");
        natives.memories.add(m);
        return m;
    }

    private dnnl_primitive_desc primitiveDesc(dnnl_convolution_desc_t d, dnnl_primitive_desc hint) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), null, ENGINE, hint), "primitive descriptor of " + g);
        natives.descs.add(pd);
        return pd;
    }

    private dnnl_primitive primitive(dnnl_primitive_desc pd) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "primitive");
        natives.primitives.add(p);
        return p;
    }

    private static dnnl_memory_desc_t desc(long[] dims, int tag) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(md, dims.length, dims, dnnl_f32, tag), "memory descriptor");
        return md;
    }

    private static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN " + what + " failed with status " + status);
        }
    }
}
