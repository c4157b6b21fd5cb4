import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import java.util.Arrays;

public class DenseProbe {
    interface Op { void run(); }
    static double med(Op op, int n) {
        for (int i = 0; i < 5; i++) op.run();
        double[] t = new double[n];
        for (int i = 0; i < n; i++) { long a = System.nanoTime(); op.run(); t[i] = (System.nanoTime() - a) / 1e6; }
        Arrays.sort(t); return t[n / 2];
    }
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : -1;
        if (threads > 0) {
            Nd4j.factory().blas().setMaxThreads(threads);
        }
        System.out.println("blas " + Nd4j.factory().blas().getBlasVendor() + " threads " + Nd4j.factory().blas().getMaxThreads());
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 512, 128);
        INDArray w = Nd4j.randn(DataType.FLOAT, 128, 512).dup('f');
        INDArray d = Nd4j.randn(DataType.FLOAT, 512, 512);
        INDArray big = Nd4j.randn(DataType.FLOAT, 512, 32, 28, 28);
        boolean interleave = args.length > 1;
        Op omp = () -> { if (interleave) big.addi(1e-7f); };
        System.out.printf("fwd x.mmul(w)              %.2f%n", med(() -> { omp.run(); x.mmul(w); }, 30));
        System.out.printf("fwd gemm                    %.2f%n", med(() -> { omp.run(); Nd4j.gemm(x, w, false, false); }, 30));
        INDArray wg = Nd4j.create(DataType.FLOAT, new long[]{128, 512}, 'f');
        System.out.printf("wgrad gemm(x^T d)           %.2f%n", med(() -> { omp.run(); Nd4j.gemm(x, d, wg, true, false, 1.0, 0.0); }, 30));
        INDArray en = Nd4j.create(DataType.FLOAT, new long[]{128, 512}, 'f');
        System.out.printf("eps w.mmuli(d^T).T          %.2f%n", med(() -> { omp.run(); w.mmuli(d.transpose(), en).transpose(); }, 30));
        System.out.printf("eps gemm(d, w^T)            %.2f%n", med(() -> { omp.run(); Nd4j.gemm(d, w, false, true); }, 30));
        INDArray wc = w.dup('c');
        INDArray out = Nd4j.create(DataType.FLOAT, 512, 512);
        org.bytedeco.javacpp.FloatPointer px = new org.bytedeco.javacpp.FloatPointer(x.data().addressPointer());
        org.bytedeco.javacpp.FloatPointer pw = new org.bytedeco.javacpp.FloatPointer(wc.data().addressPointer());
        org.bytedeco.javacpp.FloatPointer po = new org.bytedeco.javacpp.FloatPointer(out.data().addressPointer());
        System.out.printf("fwd dnnl_sgemm              %.2f%n", med(() -> { omp.run(); org.bytedeco.dnnl.global.dnnl.dnnl_sgemm((byte) 'N', (byte) 'N', 512, 512, 128, 1f, px, 128, pw, 512, 0f, po, 512); }, 30));
        System.out.println("dnnl equal " + out.equalsWithEps(x.mmul(w), 1e-3));
        System.out.printf("omp op alone                %.2f%n", med(() -> { omp.run(); }, 30));
    }
}
