import io.github.dl4jssl.samples.bench.*;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.layers.impl.NativeBatchNormalizationImpl;

public class AbBnPlanes2 {
    static void mode(int m) {
        System.setProperty("bnp.off", String.valueOf(m == 0));
        System.setProperty("bnp.serial", String.valueOf(m == 2));
    }
    public static void main(String[] args) {
        String method = args[0], backbone = args[1];
        int batch = Integer.parseInt(args[2]), iters = Integer.parseInt(args[3]);
        boolean queued = method.startsWith("mocov1") || method.startsWith("mocov2");
        String[] names = {"rows", "planes-parallel", "planes-serial"};
        BenchRun[] runs = new BenchRun[3];
        for (int m = 0; m < 3; m++) {
            runs[m] = new BenchRun(method, backbone, LayerImplementation.NATIVE, batch, queued ? 4096 : null, false, true);
            mode(m); runs[m].warmUp(3);
        }
        java.util.Arrays.fill(NativeBatchNormalizationImpl.FWD_NS, 0); java.util.Arrays.fill(NativeBatchNormalizationImpl.BWD_NS, 0);
        for (int i = 0; i < iters; i++) {
            for (int m = 0; m < 3; m++) { mode(m); runs[m].timedStep(); }
        }
        System.out.println(BenchResult.tableHeader());
        for (int m = 0; m < 3; m++) System.out.printf("%s %s  | BN in step: fwd %.1f bwd %.1f ms/step%n", names[m], runs[m].result(Double.NaN).tableRow().substring(0, 110),
            NativeBatchNormalizationImpl.FWD_NS[m] / 1e6 / iters, NativeBatchNormalizationImpl.BWD_NS[m] / 1e6 / iters);
    }
}
