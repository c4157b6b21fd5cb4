import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import java.util.Arrays;

public class DenseLayerProbe {
    interface Op { void run(); }
    static double med(Op op, int n) {
        for (int i = 0; i < 5; i++) op.run();
        double[] t = new double[n];
        for (int i = 0; i < n; i++) { long a = System.nanoTime(); op.run(); t[i] = (System.nanoTime() - a) / 1e6; }
        Arrays.sort(t); return t[n / 2];
    }
    public static void main(String[] args) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
            .layer(new DenseLayer.Builder().nIn(128).nOut(512).activation(Activation.IDENTITY).build())
            .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(512).nOut(128).activation(Activation.IDENTITY).build())
            .build());
        net.init();
        net.initGradientsView();
        Layer l = net.getLayer(0);
        INDArray x = Nd4j.randn(DataType.FLOAT, 512, 128);
        INDArray eps = Nd4j.randn(DataType.FLOAT, 512, 512);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        System.out.printf("dense fwd %.2f%n", med(() -> { l.setInput(x, mgr); l.activate(true, mgr); }, 30));
        System.out.printf("dense bwd %.2f%n", med(() -> { l.setInput(x, mgr); l.activate(true, mgr); l.backpropGradient(eps, mgr); }, 30));
        INDArray b = Nd4j.randn(DataType.FLOAT, 1, 512);
        System.out.printf("sum(0) %.2f%n", med(() -> { eps.sum(0); }, 30));
        System.out.printf("addiRowVector %.2f%n", med(() -> { eps.addiRowVector(b); }, 30));
    }
}
