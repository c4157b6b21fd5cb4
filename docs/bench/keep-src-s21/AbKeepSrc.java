import io.github.dl4jssl.samples.bench.*;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;

/** Convolutions reorder x again in backward-weights / read the forward's kept reordered x; steps alternated in one JVM. */
public class AbKeepSrc {
    public static void main(String[] args) {
        String method = args[0], backbone = args[1];
        int batch = Integer.parseInt(args[2]), warm = Integer.parseInt(args[3]), iters = Integer.parseInt(args[4]);
        boolean queued = method.startsWith("mocov1") || method.startsWith("mocov2");
        String[] names = {"reorder-again", "keep-src     "};
        BenchRun[] runs = new BenchRun[2];
        for (int m = 0; m < 2; m++) {
            runs[m] = new BenchRun(method, backbone, LayerImplementation.NATIVE, batch, queued ? 4096 : null, false, true);
        }
        for (int i = 0; i < warm; i++) {
            for (int m = 0; m < 2; m++) { System.setProperty("keepsrc.off", String.valueOf(m == 0)); runs[m].warmUp(1); }
        }
        for (int i = 0; i < iters; i++) {
            for (int m = 0; m < 2; m++) { System.setProperty("keepsrc.off", String.valueOf(m == 0)); runs[m].timedStep(); }
        }
        System.out.println(BenchResult.tableHeader());
        for (int m = 0; m < 2; m++) System.out.println(names[m] + " " + runs[m].result(Double.NaN).tableRow());
    }
}
