import io.github.dl4jssl.samples.bench.*;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;

/** Batch norm's last steps as libnd4j row ops (bnchain.off) / as oneDNN channel chains; steps alternated in one JVM. */
public class AbBnChain {
    public static void main(String[] args) {
        String method = args[0], backbone = args[1];
        int batch = Integer.parseInt(args[2]), iters = Integer.parseInt(args[3]);
        boolean queued = method.startsWith("mocov1") || method.startsWith("mocov2");
        String[] names = {"row-ops", "chains "};
        BenchRun[] runs = new BenchRun[2];
        for (int m = 0; m < 2; m++) {
            runs[m] = new BenchRun(method, backbone, LayerImplementation.NATIVE, batch, queued ? 4096 : null, false, true);
            System.setProperty("bnchain.off", String.valueOf(m == 0)); runs[m].warmUp(2);
        }
        for (int i = 0; i < iters; i++) {
            for (int m = 0; m < 2; m++) { System.setProperty("bnchain.off", String.valueOf(m == 0)); runs[m].timedStep(); }
        }
        System.out.println(BenchResult.tableHeader());
        for (int m = 0; m < 2; m++) System.out.println(names[m] + " " + runs[m].result(Double.NaN).tableRow());
    }
}
