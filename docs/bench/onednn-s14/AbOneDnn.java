import io.github.dl4jssl.samples.bench.*;
import io.github.dl4jssl.layers.impl.OneDnn;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;

public class AbOneDnn {
    public static void main(String[] args) {
        String method = args[0], backbone = args[1];
        int batch = Integer.parseInt(args[2]), iters = Integer.parseInt(args[3]);
        boolean queued = method.startsWith("mocov1") || method.startsWith("mocov2");
        BenchRun columns = new BenchRun(method, backbone, LayerImplementation.NATIVE, batch, queued ? 4096 : null, false);
        BenchRun onednn = new BenchRun(method, backbone, LayerImplementation.NATIVE, batch, queued ? 4096 : null, false);
        OneDnn.setEnabled(false); columns.warmUp(2);
        OneDnn.setEnabled(true); onednn.warmUp(2);
        for (int i = 0; i < iters; i++) {
            OneDnn.setEnabled(false); columns.timedStep();
            OneDnn.setEnabled(true); onednn.timedStep();
        }
        System.out.println(BenchResult.tableHeader());
        System.out.println("columns     " + columns.result(Double.NaN).tableRow());
        System.out.println("onednn " + onednn.result(Double.NaN).tableRow());
    }
}
