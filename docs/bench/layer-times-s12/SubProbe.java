import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import java.util.*;

public class SubProbe {
    static double median(double[] a) { double[] b = a.clone(); Arrays.sort(b); return b[b.length / 2]; }
    interface Step { void run(); }
    static void time(String name, int reps, Step s) {
        double[] t = new double[reps];
        for (int r = 0; r < reps + 2; r++) { long t0 = System.nanoTime(); s.run(); if (r >= 2) t[r - 2] = (System.nanoTime() - t0) / 1e6; }
        System.out.printf("  %-34s %8.1f ms%n", name, median(t));
    }
    public static void main(String[] args) {
        int n = 512, reps = 5;
        int[][] convs = {{1, 32, 1, 28}, {32, 64, 2, 28}, {64, 64, 1, 14}, {64, 128, 2, 14}};
        for (int[] c : convs) {
            int inC = c[0], outC = c[1], s = c[2], h = c[3], oh = h / s; long p = (long) oh * oh; long k = inC * 9L;
            System.out.printf("conv %d->%d s%d %dx%d%n", inC, outC, s, h, h);
            INDArray in = Nd4j.rand(new int[]{n, inC, h, h});
            int hp = Math.max(h + 2, (oh - 1) * s + 3);
            INDArray padded = Nd4j.create(inC, n, hp, hp);
            INDArray cols = Nd4j.create(k, n * p);
            INDArray w = Nd4j.rand(new long[]{outC, k});
            INDArray zT = Nd4j.create(outC, n * p);
            INDArray z = Nd4j.create(n, outC, oh, oh);
            INDArray delta = Nd4j.rand(new int[]{n, outC, oh, oh});
            INDArray dw = Nd4j.create(outC, k);
            time("pad copy", reps, () -> padded.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + h), NDArrayIndex.interval(1, 1 + h)).permute(1, 0, 2, 3).assign(in));
            INDArray cols6 = cols.reshape('c', inC, 3, 3, n, oh, oh);
            time("9 tap copies", reps, () -> { for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++)
                cols6.get(NDArrayIndex.all(), NDArrayIndex.point(ky), NDArrayIndex.point(kx), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                    .assign(padded.get(NDArrayIndex.all(), NDArrayIndex.all(), oh == 1 ? NDArrayIndex.interval(ky, ky + 1) : NDArrayIndex.interval(ky, s, ky + (long) (oh - 1) * s + 1),
                            oh == 1 ? NDArrayIndex.interval(kx, kx + 1) : NDArrayIndex.interval(kx, s, kx + (long) (oh - 1) * s + 1))); });
            time("fwd gemm W cols", reps, () -> Nd4j.gemm(w, cols, zT, false, false, 1.0, 0.0));
            time("out permute copy", reps, () -> z.reshape('c', n, outC, p).assign(zT.reshape('c', outC, n, p).permute(1, 0, 2)));
            time("dz permute copy", reps, () -> zT.reshape('c', outC, n, p).assign(delta.reshape(n, outC, p).permute(1, 0, 2)));
            time("dW gemm dz cols^T", reps, () -> Nd4j.gemm(zT, cols, dw, false, true, 1.0, 0.0));
            time("dcols gemm W^T dz", reps, () -> Nd4j.gemm(w, zT, cols, true, false, 1.0, 0.0));
            long chunk = Math.max(1, Math.min(n, (4L << 20) / (k * p)));
            INDArray scratch = Nd4j.create(chunk, k, p);
            INDArray eps = Nd4j.create(n, inC, h, h);
            INDArray cols3 = cols.reshape('c', k, n, p);
            double[] tp = new double[1], tc = new double[1];
            time("col2im total (chunk " + chunk + ")", reps, () -> {
                for (long i0 = 0; i0 < n; i0 += chunk) {
                    long m = Math.min(chunk, n - i0);
                    INDArray part = m == chunk ? scratch : scratch.get(NDArrayIndex.interval(0, m));
                    part.assign(cols3.get(NDArrayIndex.all(), NDArrayIndex.interval(i0, i0 + m), NDArrayIndex.all()).permute(1, 0, 2));
                    Nd4j.exec(DynamicCustomOp.builder("col2im").addInputs(part.reshape('c', m, inC, 3, 3, oh, oh)).addOutputs(eps.get(NDArrayIndex.interval(i0, i0 + m)))
                        .addIntegerArguments(s, s, 1, 1, h, h, 1, 1, 1).build());
                }});
            time("  of which scratch permutes", reps, () -> {
                for (long i0 = 0; i0 < n; i0 += chunk) {
                    long m = Math.min(chunk, n - i0);
                    INDArray part = m == chunk ? scratch : scratch.get(NDArrayIndex.interval(0, m));
                    part.assign(cols3.get(NDArrayIndex.all(), NDArrayIndex.interval(i0, i0 + m), NDArrayIndex.all()).permute(1, 0, 2));
                }});
            // alternative: per-image dcols straight into libnd4j layout via batched products
            INDArray dcolsImg = Nd4j.create(n, k, p);
            INDArray d3 = delta.reshape(n, outC, p);
            time("dcols per-image gemm loop", reps, () -> { for (int i = 0; i < n; i++) Nd4j.gemm(w, d3.get(NDArrayIndex.point(i)), dcolsImg.get(NDArrayIndex.point(i)), true, false, 1.0, 0.0); });
            time("col2im whole batch op", reps, () -> Nd4j.exec(DynamicCustomOp.builder("col2im").addInputs(dcolsImg.reshape('c', n, inC, 3, 3, oh, oh)).addOutputs(eps)
                        .addIntegerArguments(s, s, 1, 1, h, h, 1, 1, 1).build()));
            INDArray im2 = Nd4j.create(n, inC, 3, 3, oh, oh);
            time("im2col whole batch op", reps, () -> Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(in).addOutputs(im2)
                        .addIntegerArguments(3, 3, s, s, 1, 1, 1, 1, 1).addFloatingPointArguments(0.0).build()));
        }
    }
}
