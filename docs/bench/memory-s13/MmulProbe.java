import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import java.nio.file.*;
public class MmulProbe {
    static double rssGb() throws Exception {
        for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) if (l.startsWith("VmRSS")) return Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0;
        return -1;
    }
    public static void main(String[] a) throws Exception {
        INDArray train = Nd4j.rand(DataType.FLOAT, 60000, 784);
        INDArray chunk = Nd4j.rand(DataType.FLOAT, 256, 784);
        INDArray trainT = train.transpose();
        System.out.printf("start %.2f GB%n", rssGb());
        for (int mode : new int[] {1, 0, 1, 0}) {
            double before = rssGb();
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                INDArray s = mode == 0 ? chunk.mmul(trainT) : Nd4j.gemm(chunk, train, false, true);
                s.close();
            }
            if (mode == 1) { INDArray g = Nd4j.gemm(chunk, train, false, true); System.out.println("gemm order " + g.ordering() + " view " + g.isView()); } System.out.printf("mode %d: %.2f -> %.2f GB, %.0f ms per product%n", mode, before, rssGb(), (System.nanoTime() - t0) / 1e7);
        }
    }
}
