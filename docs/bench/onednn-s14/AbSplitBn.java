import io.github.dl4jssl.samples.bench.*;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import java.lang.reflect.Method;

/** MoCo's shuffle-BN key encoder: SplitBatchNormalization's training forward through SameDiff (A) or per-group rows (B), alternated step by step in one JVM. */
public class AbSplitBn {
    public static void main(String[] args) throws Exception {
        String method = args[0];
        int batch = Integer.parseInt(args[1]), iters = Integer.parseInt(args[2]);
        Method toggle = Class.forName("io.github.dl4jssl.layers.impl.SplitBatchNormalizationImpl")
                .getDeclaredMethod("setSameDiffTrainingForward", boolean.class);
        toggle.setAccessible(true);
        BenchRun sameDiff = new BenchRun(method, "small-cnn", LayerImplementation.NATIVE, batch, 4096, false);
        BenchRun rows = new BenchRun(method, "small-cnn", LayerImplementation.NATIVE, batch, 4096, false);
        toggle.invoke(null, true); sameDiff.warmUp(2);
        toggle.invoke(null, false); rows.warmUp(2);
        for (int i = 0; i < iters; i++) {
            toggle.invoke(null, true); sameDiff.timedStep();
            toggle.invoke(null, false); rows.timedStep();
        }
        System.out.println(BenchResult.tableHeader());
        System.out.println("samediff " + sameDiff.result(Double.NaN).tableRow());
        System.out.println("rows     " + rows.result(Double.NaN).tableRow());
    }
}
