import org.bytedeco.dnnl.*;
import org.bytedeco.javacpp.*;
import static org.bytedeco.dnnl.global.dnnl.*;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import java.util.*;

public class DnnlProbe {
    static dnnl_engine eng = new dnnl_engine();
    static dnnl_stream strm = new dnnl_stream();
    static void ck(int st, String what) { if (st != dnnl_success) throw new RuntimeException(what + " failed: " + st); }
    static dnnl_memory_desc_t md(long[] dims, int tag) { dnnl_memory_desc_t m = new dnnl_memory_desc_t(); ck(dnnl_memory_desc_init_by_tag(m, dims.length, dims, dnnl_f32, tag), "md"); return m; }
    static dnnl_memory mem(dnnl_memory_desc_t m, Pointer p) { dnnl_memory x = new dnnl_memory(); ck(dnnl_memory_create(x, m, eng, p), "mem"); return x; }
    static Pointer ptr(INDArray a) { return a.data().addressPointer(); }
    static dnnl_primitive prim(dnnl_primitive_desc pd) { dnnl_primitive p = new dnnl_primitive(); ck(dnnl_primitive_create(p, pd), "prim"); return p; }
    static void exec(dnnl_primitive p, int[] keys, dnnl_memory[] mems) {
        dnnl_exec_arg_t a = new dnnl_exec_arg_t(keys.length);
        for (int i = 0; i < keys.length; i++) a.getPointer(i).arg(keys[i]).memory(mems[i]);
        ck(dnnl_primitive_execute(p, strm, keys.length, a), "exec");
        ck(dnnl_stream_wait(strm), "wait");
    }
    /** a reorder from user (plain) memory to the primitive's desired desc, or null when equal */
    static class Reo { dnnl_primitive p; dnnl_memory from, to; FloatPointer buf;
        Reo(dnnl_memory_desc_t fromMd, Pointer fromPtr, dnnl_memory_desc_t toMd, boolean toUser) {
            long size = dnnl_memory_desc_get_size(toUser ? fromMd : toMd);
            if (dnnl_memory_desc_equal(fromMd, toMd) == 1) { from = to = mem(fromMd, fromPtr); return; }
            buf = new FloatPointer(dnnl_memory_desc_get_size(toMd) / 4 + 64);
            if (toUser) { // from = primitive layout buffer, to = user
                from = mem(toMd, buf); to = mem(fromMd, fromPtr);
                dnnl_primitive_desc pd = new dnnl_primitive_desc();
                ck(dnnl_reorder_primitive_desc_create(pd, toMd, eng, fromMd, eng, null), "reorder pd");
                p = prim(pd);
            } else {
                from = mem(fromMd, fromPtr); to = mem(toMd, buf);
                dnnl_primitive_desc pd = new dnnl_primitive_desc();
                ck(dnnl_reorder_primitive_desc_create(pd, fromMd, eng, toMd, eng, null), "reorder pd");
                p = prim(pd);
            }
        }
        dnnl_memory inner() { return toUserFlag ? from : to; }
        boolean toUserFlag;
        void run() { if (p != null) exec(p, new int[]{DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory[]{from, to}); }
    }
    static Reo in(dnnl_memory_desc_t user, Pointer p, dnnl_memory_desc_t want) { Reo r = new Reo(user, p, want, false); r.toUserFlag = false; return r; }
    static Reo out(dnnl_memory_desc_t user, Pointer p, dnnl_memory_desc_t want) { Reo r = new Reo(user, p, want, true); r.toUserFlag = true; return r; }
    static String impl(dnnl_primitive_desc pd) {
        PointerPointer<BytePointer> s = new PointerPointer<>(1);
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, s);
        return s.get(BytePointer.class, 0).getString();
    }
    static double median(double[] a) { double[] b = a.clone(); Arrays.sort(b); return b[b.length / 2]; }

    public static void main(String[] args) {
        int n = Integer.parseInt(args.length > 0 ? args[0] : "512");
        int reps = Integer.parseInt(args.length > 1 ? args[1] : "7");
        boolean plain = args.length > 2 && args[2].equals("plain");
        ck(dnnl_engine_create(eng, dnnl_cpu, 0), "engine");
        ck(dnnl_stream_create(strm, eng, dnnl_stream_default_flags), "stream");
        System.out.println("isa " + dnnl_get_effective_cpu_isa());
        // inC, outC, stride, inHW, padTop, padBottom (DL4J Same mode)
        int[][] convs = {{1, 32, 1, 28, 1, 1}, {32, 64, 2, 28, 0, 1}, {64, 64, 1, 14, 1, 1}, {64, 128, 2, 14, 0, 1}};
        double sf = 0, sb = 0;
        for (int[] c : convs) {
            int inC = c[0], outC = c[1], s = c[2], h = c[3], pt = c[4], pb = c[5];
            int oh = (h + pt + pb - 3) / s + 1;
            INDArray x = Nd4j.rand(DataType.FLOAT, n, inC, h, h), w = Nd4j.rand(DataType.FLOAT, outC, inC, 3, 3), b = Nd4j.rand(DataType.FLOAT, outC);
            INDArray z = Nd4j.create(DataType.FLOAT, n, outC, oh, oh), dz = Nd4j.rand(DataType.FLOAT, n, outC, oh, oh);
            INDArray dx = Nd4j.create(DataType.FLOAT, n, inC, h, h), dw = Nd4j.create(DataType.FLOAT, outC, inC, 3, 3), db = Nd4j.create(DataType.FLOAT, outC);
            long[] xd = {n, inC, h, h}, wd = {outC, inC, 3, 3}, zd = {n, outC, oh, oh}, bd = {outC};
            int any = plain ? dnnl_nchw : dnnl_format_tag_any, anyW = plain ? dnnl_oihw : dnnl_format_tag_any;
            dnnl_memory_desc_t xU = md(xd, dnnl_nchw), wU = md(wd, dnnl_oihw), zU = md(zd, dnnl_nchw), bU = md(bd, dnnl_x);
            long[] st = {s, s}, pl = {pt, pt}, pr = {pb, pb};
            dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
            ck(dnnl_convolution_forward_desc_init(fd, dnnl_forward_training, dnnl_convolution_direct, md(xd, any), md(wd, anyW), bU, md(zd, any), st, pl, pr), "fwd desc");
            dnnl_primitive_desc fpd = new dnnl_primitive_desc();
            ck(dnnl_primitive_desc_create(fpd, new const_dnnl_op_desc_t(fd), null, eng, null), "fwd pd");
            dnnl_convolution_desc_t bdd = new dnnl_convolution_desc_t();
            ck(dnnl_convolution_backward_data_desc_init(bdd, dnnl_convolution_direct, md(xd, any), md(wd, anyW), md(zd, any), st, pl, pr), "bwd data desc");
            dnnl_primitive_desc bdpd = new dnnl_primitive_desc();
            ck(dnnl_primitive_desc_create(bdpd, new const_dnnl_op_desc_t(bdd), null, eng, fpd), "bwd data pd");
            dnnl_convolution_desc_t bwd = new dnnl_convolution_desc_t();
            ck(dnnl_convolution_backward_weights_desc_init(bwd, dnnl_convolution_direct, md(xd, any), md(wd, anyW), bU, md(zd, any), st, pl, pr), "bwd w desc");
            dnnl_primitive_desc bwpd = new dnnl_primitive_desc();
            ck(dnnl_primitive_desc_create(bwpd, new const_dnnl_op_desc_t(bwd), null, eng, fpd), "bwd w pd");
            System.out.printf("conv %d->%d s%d %dx%d: fwd %s | bwd_data %s | bwd_w %s%n", inC, outC, s, h, h, impl(fpd), impl(bdpd), impl(bwpd));
            // forward
            Reo fx = in(xU, ptr(x), dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0));
            Reo fw = in(wU, ptr(w), dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0));
            Reo fz = out(zU, ptr(z), dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0));
            dnnl_memory bm = mem(bU, ptr(b));
            dnnl_primitive fp = prim(fpd);
            // backward data
            Reo bz = in(zU, ptr(dz), dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_dst_md, 0));
            Reo bw = in(wU, ptr(w), dnnl_primitive_desc_query_md(bdpd, dnnl_query_weights_md, 0));
            Reo bx = out(xU, ptr(dx), dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_src_md, 0));
            dnnl_primitive bdp = prim(bdpd);
            // backward weights
            Reo wx = in(xU, ptr(x), dnnl_primitive_desc_query_md(bwpd, dnnl_query_src_md, 0));
            Reo wz = in(zU, ptr(dz), dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_dst_md, 0));
            Reo ww = out(wU, ptr(dw), dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_weights_md, 0));
            dnnl_memory dbm = mem(bU, ptr(db));
            dnnl_primitive bwp = prim(bwpd);
            boolean same = dnnl_memory_desc_equal(dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0), dnnl_primitive_desc_query_md(bwpd, dnnl_query_src_md, 0)) == 1;
            System.out.println("   bwd_w src same as fwd: " + same);
            double[] tf = new double[reps], tbd = new double[reps], tbw = new double[reps], tr = new double[reps];
            for (int r = 0; r < reps + 2; r++) {
                long t0 = System.nanoTime();
                fx.run(); fw.run();
                long t1 = System.nanoTime();
                exec(fp, new int[]{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, new dnnl_memory[]{fx.inner(), fw.inner(), bm, fz.inner()});
                long t2 = System.nanoTime();
                fz.run();
                long t3 = System.nanoTime();
                bz.run(); bw.run();
                exec(bdp, new int[]{DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, new dnnl_memory[]{bz.inner(), bw.inner(), bx.inner()});
                bx.run();
                long t4 = System.nanoTime();
                wz.run(); // src reorder shared with forward if equal formats; run anyway when differs
                if (!same) wx.run();
                exec(bwp, new int[]{DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                        new dnnl_memory[]{same ? fx.inner() : wx.inner(), wz.inner(), ww.inner(), dbm});
                ww.run();
                long t5 = System.nanoTime();
                if (r >= 2) { tf[r - 2] = (t3 - t0) / 1e6; tr[r - 2] = ((t1 - t0) + (t3 - t2)) / 1e6; tbd[r - 2] = (t4 - t3) / 1e6; tbw[r - 2] = (t5 - t4) / 1e6; }
            }
            // check forward against ND4J's conv2d (same mode pad via explicit)
            System.out.printf("   fwd %7.1f ms (reorders %5.1f)  bwd_data %7.1f  bwd_w %7.1f  [bwd %7.1f]%n", median(tf), median(tr), median(tbd), median(tbw), median(tbd) + median(tbw));
            sf += median(tf); sb += median(tbd) + median(tbw);
        }
        System.out.printf("TOTAL fwd %.1f bwd %.1f ms%n", sf, sb);
    }
}
