package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeBuffers;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;
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
 * What the oneDNN-backed passes of the native layers share ({@link OneDnnConvolution},
 * {@link OneDnnRelu}): the CPU engine, loaded once (or found missing: then the
 * layers keep their own paths), a stream per instance, and {@link Pass}, one primitive with its arguments. An argument
 * is one of DL4J's plain float arrays (NCHW, OIHW, vectors), whose address is given to oneDNN on every call; when the
 * primitive wants another memory layout, a scratch array in that layout and the reorder between the two.
 *
 * <p>oneDNN (Intel's deep-learning kernel library, the CPU kernels of PyTorch) comes through bytedeco's JavaCPP
 * presets, {@code org.bytedeco:dnnl}. Not thread-safe: one instance per layer instance, as DL4J's layers are.
 * Native objects are destroyed by {@link #close}, or by a cleaner when the instance becomes unreachable.</p>
 */
abstract class OneDnnOperation implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OneDnnOperation.class);
    private static final Cleaner CLEANER = Cleaner.create();
    static final dnnl_engine ENGINE = loadEngine();

    private static dnnl_engine loadEngine() {
        try {
            dnnl_engine engine = new dnnl_engine();
            check(dnnl_engine_create(engine, dnnl_cpu, 0), "engine");
            return engine;
        } catch (Throwable e) { // no native binary for this platform, or a broken install: the layers' own paths stay
            log.info("oneDNN is not available ({}); the native layers use their own paths", e.toString());
            return null;
        }
    }

    /** Whether oneDNN's native library loaded on this platform. */
    static boolean available() {
        return ENGINE != null;
    }

    /** What the passes of this instance describe, for error messages. */
    private final String what;
    final Natives natives;

    OneDnnOperation(String what) {
        if (ENGINE == null) {
            throw new IllegalStateException("oneDNN is not available on this platform");
        }
        this.what = what;
        this.natives = new Natives();
        CLEANER.register(this, natives);
        dnnl_stream stream = new dnnl_stream();
        check(dnnl_stream_create(stream, ENGINE, dnnl_stream_default_flags), "stream");
        natives.stream = stream;
    }

    @Override
    public void close() {
        natives.run();
    }

    /** The native objects of one instance, destroyed once (by {@link #close} or the cleaner). */
    static final class Natives implements Runnable {
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
    record Arg(int key, boolean output, dnnl_memory user, dnnl_memory inner, dnnl_primitive reorder,
               long innerElements, dnnl_memory_desc_t innerDesc) {
    }

    /** One primitive and its arguments, run on DL4J's arrays. */
    final class Pass {
        private final dnnl_primitive primitive;
        private final String name;
        private final Arg[] args;

        /** {@code args} may hold nulls (an absent bias): {@link #run} then takes a null array in that place. */
        Pass(dnnl_primitive_desc desc, String name, Arg... args) {
            this.name = name;
            this.args = args;
            this.primitive = primitive(desc);
        }

        /**
         * Runs the primitive on {@code arrays}, in the order of the arguments: inputs are reordered into the
         * primitive's layouts first, outputs written back into DL4J's arrays after. Scratch arrays come from
         * {@code mgr} as {@code scratchType}, are used from their first {@link #ALIGNMENT}-byte boundary on, and are
         * released before returning.
         */
        void run(LayerWorkspaceMgr mgr, ArrayType scratchType, INDArray... arrays) {
            run(mgr, scratchType, arrays, new INDArray[arrays.length]);
        }

        /**
         * As {@link #run(LayerWorkspaceMgr, ArrayType, INDArray...)}, except that the inputs with a non-null
         * {@code prepared[i]} are not reordered: {@code prepared[i]} already holds argument i in this primitive's
         * layout ({@link #prepare}, possibly of another pass with the same layout for it). The caller releases them.
         */
        void run(LayerWorkspaceMgr mgr, ArrayType scratchType, INDArray[] arrays, INDArray[] prepared) {
            int count = 0;
            INDArray[] scratch = new INDArray[args.length];
            INDArray[] dense = new INDArray[args.length];
            for (int i = 0; i < args.length; i++) {
                Arg a = args[i];
                if (a == null) {
                    continue;
                }
                count++;
                if (prepared[i] != null) {
                    check(dnnl_memory_set_data_handle(a.inner(), aligned(prepared[i])), "data handle");
                    dense[i] = arrays[i];
                } else if (!a.output() && a.reorder() != null) {
                    scratch[i] = prepare(i, arrays[i], mgr, scratchType);
                    dense[i] = arrays[i];
                } else {
                    dense[i] = a.output() ? denseOutput(arrays[i], mgr, scratchType) : denseInput(arrays[i], mgr, scratchType);
                    check(dnnl_memory_set_data_handle(a.user(), address(dense[i])), "data handle");
                    if (a.reorder() != null) {
                        scratch[i] = scratch(a, mgr, scratchType); // an output, reordered back after the primitive
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

        /**
         * Input argument {@code index} reordered into this primitive's layout, in a scratch array from {@code mgr}
         * (aligned as {@link #run} aligns its own), for {@link #run(LayerWorkspaceMgr, ArrayType, INDArray[],
         * INDArray[])}; null when the primitive reads DL4J's layout itself. The caller releases it.
         */
        INDArray prepare(int index, INDArray array, LayerWorkspaceMgr mgr, ArrayType scratchType) {
            Arg a = args[index];
            if (a.output()) {
                throw new IllegalArgumentException("argument " + index + " of " + name + " is an output");
            }
            if (a.reorder() == null) {
                return null;
            }
            INDArray dense = denseInput(array, mgr, scratchType);
            check(dnnl_memory_set_data_handle(a.user(), address(dense)), "data handle");
            INDArray scratch = scratch(a, mgr, scratchType);
            execute(a.reorder(), new int[]{DNNL_ARG_FROM, DNNL_ARG_TO}, a.user(), a.inner());
            if (dense != array) {
                NativeBuffers.release(dense);
            }
            return scratch;
        }

        /** A scratch array for argument {@code a} in the primitive's layout, set as its memory's aligned data handle. */
        private INDArray scratch(Arg a, LayerWorkspaceMgr mgr, ArrayType scratchType) {
            INDArray scratch = mgr.createUninitialized(scratchType, DataType.FLOAT,
                    a.innerElements() + ALIGNMENT / Float.BYTES);
            check(dnnl_memory_set_data_handle(a.inner(), aligned(scratch)), "data handle");
            return scratch;
        }

        /** Whether argument {@code index} is reordered between DL4J's layout and the primitive's. */
        boolean reorders(int index) {
            return args[index] != null && args[index].reorder() != null;
        }

        /** Whether argument {@code index} of this pass has the layout of argument {@code otherIndex} of {@code other}. */
        boolean sameLayout(int index, Pass other, int otherIndex) {
            return dnnl_memory_desc_equal(args[index].innerDesc(), other.args[otherIndex].innerDesc()) == 1;
        }

        private void execute(dnnl_primitive p, int[] keys, dnnl_memory... mems) {
            dnnl_exec_arg_t a = new dnnl_exec_arg_t(keys.length);
            try {
                for (int i = 0; i < keys.length; i++) {
                    a.getPointer(i).arg(keys[i]).memory(mems[i]);
                }
                check(dnnl_primitive_execute(p, natives.stream, keys.length, a), name + " of " + what);
                check(dnnl_stream_wait(natives.stream), name + " of " + what);
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
        return a.dataType() == DataType.FLOAT && HostCopy.isRowMajorDense(a);
    }

    /**
     * Bytes to which the scratch arrays in oneDNN's layouts are aligned: one AVX-512 vector, one cache line (PyTorch's
     * CPU allocator aligns its tensors to 64 bytes too). ND4J's workspaces align arrays to 16 bytes only, and oneDNN's
     * convolutions on such scratch arrays ran 5-25% slower per call on most of ResNet18Cifar's primitive shapes (medians,
     * session 20, {@code docs/bench/onednn-align-s20}).
     */
    static final int ALIGNMENT = 64;

    /**
     * The first {@link #ALIGNMENT}-aligned address inside {@code scratch}, which must have {@code ALIGNMENT / 4} floats
     * to spare at its end.
     */
    static Pointer aligned(INDArray scratch) {
        Pointer p = address(scratch);
        return new PagedPointer(p.address() + p.position() * p.sizeof() + alignmentSkip(scratch));
    }

    /** Bytes from {@code scratch}'s first element to the first {@link #ALIGNMENT}-aligned address in it. */
    private static long alignmentSkip(INDArray scratch) {
        Pointer p = address(scratch);
        long start = p.address() + p.position() * p.sizeof();
        return (ALIGNMENT - start % ALIGNMENT) % ALIGNMENT;
    }

    /** The address of an array's first element (ND4J's buffer pointer already includes a view's offset). */
    private static Pointer address(INDArray a) {
        return a.data().addressPointer();
    }

    /** An argument in the plain layout {@code plainTag} of {@code dims}, as primitive {@code pd} wants it. */
    Arg arg(int key, boolean output, long[] dims, int plainTag, dnnl_primitive_desc pd, int query) {
        return arg(key, output, dims, plainTag, pd, query, 0);
    }

    Arg arg(int key, boolean output, long[] dims, int plainTag, dnnl_primitive_desc pd, int query, int index) {
        return arg(key, output, desc(dims, plainTag), pd, query, index);
    }

    /**
     * An argument whose caller-side array has memory descriptor {@code plain}: DL4J's plain layout, or a layout of
     * oneDNN's for an array that stays between primitives (then it is a flat float array, {@link #alignedView}).
     */
    Arg arg(int key, boolean output, dnnl_memory_desc_t plain, dnnl_primitive_desc pd, int query, int index) {
        dnnl_memory_desc_t wanted = wanted(pd, query, index);
        if (wanted == null || wanted.isNull()) {
            throw new IllegalStateException("oneDNN gave no memory descriptor for argument " + key + " of " + what);
        }
        dnnl_memory user = memory(plain);
        if (dnnl_memory_desc_equal(plain, wanted) == 1) {
            return new Arg(key, output, user, user, null, 0, plain); // DL4J's layout: no reorder
        }
        dnnl_memory inner = memory(wanted);
        dnnl_primitive_desc rd = new dnnl_primitive_desc();
        check(output ? dnnl_reorder_primitive_desc_create(rd, wanted, ENGINE, plain, ENGINE, null)
                : dnnl_reorder_primitive_desc_create(rd, plain, ENGINE, wanted, ENGINE, null), "reorder descriptor");
        natives.descs.add(rd);
        long bytes = dnnl_memory_desc_get_size(wanted);
        return new Arg(key, output, user, inner, primitive(rd), (bytes + 3) / 4, wanted);
    }

    /** The memory descriptor primitive {@code pd} wants for {@code query} (index {@code index}). */
    static dnnl_memory_desc_t wanted(dnnl_primitive_desc pd, int query, int index) {
        return dnnl_primitive_desc_query_md(pd, query, index);
    }

    /** Floats an array of memory descriptor {@code md} needs. */
    static long elements(dnnl_memory_desc_t md) {
        return (dnnl_memory_desc_get_size(md) + Float.BYTES - 1) / Float.BYTES;
    }

    /**
     * A flat float array of {@code elements} values from {@code mgr} whose first element is {@link #ALIGNMENT}-aligned
     * (a view into a slightly larger array): for an argument in one of oneDNN's own layouts that lives between
     * primitives.
     */
    static INDArray alignedView(LayerWorkspaceMgr mgr, ArrayType type, long elements) {
        INDArray scratch = mgr.createUninitialized(type, DataType.FLOAT, elements + ALIGNMENT / Float.BYTES);
        long skip = alignmentSkip(scratch) / Float.BYTES;
        return scratch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(skip, skip + elements));
    }

    private dnnl_memory memory(dnnl_memory_desc_t md) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, ENGINE, (Pointer) null), "memory");
        natives.memories.add(m);
        return m;
    }

    /** The primitive descriptor of operation descriptor {@code opDesc} ({@code hint}: its forward one, or null). */
    dnnl_primitive_desc primitiveDesc(Pointer opDesc, dnnl_primitive_desc hint) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), null, ENGINE, hint),
                "primitive descriptor of " + what);
        natives.descs.add(pd);
        return pd;
    }

    private dnnl_primitive primitive(dnnl_primitive_desc pd) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "primitive");
        natives.primitives.add(p);
        return p;
    }

    /** A float memory descriptor of {@code dims} in layout {@code tag} ({@code dnnl_format_tag_any}: oneDNN's choice). */
    static dnnl_memory_desc_t desc(long[] dims, int tag) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(md, dims.length, dims, dnnl_f32, tag), "memory descriptor");
        return md;
    }

    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN " + what + " failed with status " + status);
        }
    }
}
