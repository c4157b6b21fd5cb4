import io.github.dl4jssl.zoo.backbone.*;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import java.util.*;

public class LayerProbe {
    static double median(double[] a) { double[] b = a.clone(); Arrays.sort(b); return b[b.length / 2]; }
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args.length > 0 ? args[0] : "512");
        int reps = Integer.parseInt(args.length > 1 ? args[1] : "7");
        String impl = args.length > 2 ? args[2] : "native";
        LayerImplementation li = impl.equals("dl4j") ? LayerImplementation.DL4J : LayerImplementation.NATIVE;
        ComputationGraph g = new ComputationGraph(new SmallCnn(28, 28, 1, li).standalone(1));
        g.init(); g.initGradientsView();
        INDArray x = Nd4j.rand(new int[]{n, 1, 28, 28});
        Map<String, INDArray> acts = g.feedForward(new INDArray[]{x}, true, false);
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration wsc = org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder()
            .initialSize(0).overallocationLimit(0.05).policyLearning(org.nd4j.linalg.api.memory.enums.LearningPolicy.FIRST_LOOP)
            .policyReset(org.nd4j.linalg.api.memory.enums.ResetPolicy.BLOCK_LEFT).policySpill(org.nd4j.linalg.api.memory.enums.SpillPolicy.REALLOCATE)
            .policyAllocation(org.nd4j.linalg.api.memory.enums.AllocationPolicy.OVERALLOCATE).build();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace("PROBE_WS", wsc).build();
        double totF = 0, totB = 0;
        for (int idx : g.topologicalSortOrder()) {
            var v = g.getVertices()[idx];
            if (!v.hasLayer()) continue;
            Layer l = v.getLayer();
            String inName = g.getConfiguration().getVertexInputs().get(v.getVertexName()).get(0);
            INDArray in = acts.get(inName).dup();
            double[] f = new double[reps], b = new double[reps];
            for (int r = 0; r < reps + 2; r++) {
                try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = mgr.notifyScopeEntered(org.deeplearning4j.nn.workspace.ArrayType.ACTIVATIONS)) {
                l.setInput(in, mgr);
                long t0 = System.nanoTime();
                INDArray out = l.activate(true, mgr);
                long t1 = System.nanoTime();
                INDArray eps = Nd4j.randn(out.dataType(), out.shape());
                long t2 = System.nanoTime();
                l.backpropGradient(eps, mgr);
                long t3 = System.nanoTime();
                if (r >= 2) { f[r - 2] = (t1 - t0) / 1e6; b[r - 2] = (t3 - t2) / 1e6; }
                }
            }
            totF += median(f); totB += median(b);
            System.out.printf("%-8s %-28s in %-20s fwd %8.1f ms  bwd %8.1f ms%n", v.getVertexName(), l.getClass().getSimpleName(),
                    Arrays.toString(in.shape()), median(f), median(b));
        }
        System.out.printf("TOTAL backbone fwd %.1f bwd %.1f ms%n", totF, totB);
        // libnd4j conv2d / conv2d_bp at the same shapes
        int[][] convs = {{1, 32, 1, 28}, {32, 64, 2, 28}, {64, 64, 1, 14}, {64, 128, 2, 14}};
        for (String fmt : new String[]{"nchw", "nhwc"}) {
            for (int[] c : convs) {
                int inC = c[0], outC = c[1], s = c[2], h = c[3], oh = h / s;
                boolean nhwc = fmt.equals("nhwc");
                INDArray in = nhwc ? Nd4j.rand(new int[]{n, h, h, inC}) : Nd4j.rand(new int[]{n, inC, h, h});
                INDArray w = Nd4j.rand(new int[]{outC, inC, 3, 3});
                INDArray z = nhwc ? Nd4j.create(n, oh, oh, outC) : Nd4j.create(n, outC, oh, oh);
                INDArray gi = Nd4j.create(in.shape()), gw = Nd4j.create(w.shape());
                int[] ia = {3, 3, s, s, 0, 0, 1, 1, 1, nhwc ? 1 : 0, 1};
                double[] f = new double[reps], b = new double[reps];
                INDArray epsOp = Nd4j.randn(z.dataType(), z.shape());
                for (int r = 0; r < reps + 2; r++) {
                    long t0 = System.nanoTime();
                    Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(in, w).addOutputs(z).addIntegerArguments(ia).build());
                    long t1 = System.nanoTime();
                    INDArray eps = epsOp;
                    long t2 = System.nanoTime();
                    Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(in, w, eps).addOutputs(gi, gw).addIntegerArguments(ia).build());
                    long t3 = System.nanoTime();
                    if (r >= 2) { f[r - 2] = (t1 - t0) / 1e6; b[r - 2] = (t3 - t2) / 1e6; }
                }
                System.out.printf("libnd4j %s conv %d->%d s%d %dx%d: fwd %8.1f ms  bwd %8.1f ms%n", fmt, inC, outC, s, h, h, median(f), median(b));
            }
        }
        // GEMM ceiling
        INDArray a = Nd4j.rand(2048, 2048), bb = Nd4j.rand(2048, 2048), cc = Nd4j.create(2048, 2048);
        double[] t = new double[7];
        for (int r = 0; r < 9; r++) { long t0 = System.nanoTime(); Nd4j.gemm(a, bb, cc, false, false, 1.0, 0.0); if (r >= 2) t[r - 2] = (System.nanoTime() - t0) / 1e9; }
        System.out.printf("gemm 2048: %.1f GFLOP/s%n", 2.0 * 2048 * 2048 * 2048 / median(t) / 1e9);
    }
}
