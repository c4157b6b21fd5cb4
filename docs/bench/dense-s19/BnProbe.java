import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarSubtraction;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.factory.Nd4j;
import java.util.Arrays;

public class BnProbe {
    interface Op { void run(); }
    static double med(Op op, int n) {
        for (int i = 0; i < 5; i++) op.run();
        double[] t = new double[n];
        for (int i = 0; i < n; i++) { long a = System.nanoTime(); op.run(); t[i] = (System.nanoTime() - a) / 1e6; }
        Arrays.sort(t); return t[n / 2];
    }
    public static void main(String[] args) {
        INDArray x = Nd4j.randn(DataType.FLOAT, 512 * 32, 784);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 512 * 32, 784);
        INDArray out = Nd4j.create(DataType.FLOAT, 512 * 32, 784);
        INDArray col = Nd4j.rand(DataType.FLOAT, 512 * 32, 1);
        INDArray r = Nd4j.create(DataType.FLOAT, 512 * 32);
        System.out.printf("sum rows        %.2f%n", med(() -> Nd4j.exec(new Sum(x, r, 1)), 20));
        System.out.printf("var rows        %.2f%n", med(() -> Nd4j.exec(new Variance(x, r, false, 1)), 20));
        System.out.printf("sqnorm rows     %.2f%n", med(() -> Nd4j.exec(new SquaredNorm(x, r, 1)), 20));
        System.out.printf("dot rows        %.2f%n", med(() -> Nd4j.exec(new Dot(x, dy, r, 1)), 20));
        System.out.printf("scalar mul rows %.2f%n", med(() -> { ScalarMultiplication op = new ScalarMultiplication(x, col, out, 0.0); op.setDimension(1); Nd4j.getExecutioner().exec(op); }, 20));
        System.out.printf("addi            %.2f%n", med(() -> out.addi(dy), 20));
        System.out.printf("dot(x,x) rows   %.2f%n", med(() -> Nd4j.exec(new Dot(x, x, r, 1)), 20));
        INDArray ones = Nd4j.ones(DataType.FLOAT, 784, 1);
        INDArray r2 = Nd4j.create(DataType.FLOAT, 512 * 32, 1);
        org.bytedeco.javacpp.FloatPointer px = new org.bytedeco.javacpp.FloatPointer(x.data().addressPointer());
        org.bytedeco.javacpp.FloatPointer po = new org.bytedeco.javacpp.FloatPointer(ones.data().addressPointer());
        org.bytedeco.javacpp.FloatPointer pr = new org.bytedeco.javacpp.FloatPointer(r2.data().addressPointer());
        System.out.printf("sgemm sum rows  %.2f%n", med(() -> org.bytedeco.dnnl.global.dnnl.dnnl_sgemm((byte) 'N', (byte) 'N', 512 * 32, 1, 784, 1f, px, 784, po, 1, 0f, pr, 1), 20));
        Nd4j.exec(new Sum(x, r, 1));
        System.out.println("sgemm sum equal " + r2.reshape(512 * 32).equalsWithEps(r, 1e-2));
        System.out.printf("assign          %.2f%n", med(() -> out.assign(x), 20));
    }
}
