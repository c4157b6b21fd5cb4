import io.github.dl4jssl.samples.bench.*;
import io.github.dl4jssl.layers.impl.NativeConvolutionLayerImpl;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;

public class AbTransposed {
    public static void main(String[] args) {
        String method = args[0], backbone = args[1];
        int batch = Integer.parseInt(args[2]), iters = Integer.parseInt(args[3]);
        boolean queued = method.startsWith("mocov1") || method.startsWith("mocov2");
        BenchRun col2im = new BenchRun(method, backbone, LayerImplementation.NATIVE, batch, queued ? 4096 : null, false);
        BenchRun transposed = new BenchRun(method, backbone, LayerImplementation.NATIVE, batch, queued ? 4096 : null, false);
        NativeConvolutionLayerImpl.setTransposedInputGradient(false); col2im.warmUp(2);
        NativeConvolutionLayerImpl.setTransposedInputGradient(true); transposed.warmUp(2);
        for (int i = 0; i < iters; i++) {
            NativeConvolutionLayerImpl.setTransposedInputGradient(false); col2im.timedStep();
            NativeConvolutionLayerImpl.setTransposedInputGradient(true); transposed.timedStep();
        }
        System.out.println(BenchResult.tableHeader());
        System.out.println("col2im     " + col2im.result(Double.NaN).tableRow());
        System.out.println("transposed " + transposed.result(Double.NaN).tableRow());
    }
}
