import io.github.dl4jssl.samples.bench.*;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
/** Per-step wall times of a fresh JVM's first steps, one method after another. */
public class StepSeries {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[1]);
        for (String m : a[0].split(",")) {
            boolean q = m.startsWith("mocov");
            BenchRun r = new BenchRun(m, "small-cnn", LayerImplementation.NATIVE, 256, q ? 4096 : null, false, true);
            StringBuilder sb = new StringBuilder(m + ":");
            for (int i = 0; i < n; i++) { long t = System.nanoTime(); r.timedStep(); sb.append(' ').append((System.nanoTime() - t) / 1000000); }
            System.out.println(sb); r.close();
        }
    }
}
