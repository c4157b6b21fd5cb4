package io.github.dl4jssl.layers.optim;

import io.github.dl4jssl.layers.NativeBatchNormalization;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.Map;

/** The small conv + BN + dense network of the LARS tests (the layers of SmallCnn / ResNet18Cifar and the heads). */
final class LarsNetwork {

    static final int BATCH = 4;
    /** The weight tensors, which LARS decays and adapts; every other trainable tensor is a bias or BN gamma/beta. */
    static final java.util.Set<String> WEIGHTS = java.util.Set.of("conv_W", "dense_W", "out_W");

    private LarsNetwork() {
    }

    /** in [2, 5, 5] -&gt; conv 3x3 (3 channels) -&gt; BN -&gt; dense 6 (tanh) -&gt; output 3 (MSE), in double, with {@code lars}. */
    static ComputationGraph graph(Lars lars) {
        ComputationGraph g = new ComputationGraph(lars.configure(new NeuralNetConfiguration.Builder().seed(7)
                        .dataType(DataType.DOUBLE)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(5, 5, 2))
                .addLayer("conv", new NativeConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.RELU).build(), "in")
                .addLayer("bn", new NativeBatchNormalization.Builder().build(), "conv")
                .addLayer("dense", new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "dense")
                .setOutputs("out").build());
        g.init();
        // non-zero biases and a non-trivial BN, so that every kind of parameter has a norm
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            if (e.getKey().endsWith("_b") || e.getKey().equals("bn_beta")) {
                e.getValue().assign(Nd4j.rand(DataType.DOUBLE, e.getValue().shape()).subi(0.5));
            }
        }
        return g;
    }

    /** A fixed batch of {@link #BATCH} examples. */
    static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new DataSet(Nd4j.rand(DataType.DOUBLE, BATCH, 2, 5, 5), Nd4j.rand(DataType.DOUBLE, BATCH, 3));
    }

    /** The trainable tensors (all but BN's running statistics), flattened in c order. */
    static Map<String, double[]> trainable(ComputationGraph g) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            if (isTrainable(e.getKey())) {
                out.put(e.getKey(), flat(e.getValue()));
            }
        }
        return out;
    }

    static boolean isTrainable(String key) {
        return !(key.endsWith("_mean") || key.endsWith("_var") || key.endsWith("_log10stdev"));
    }

    static double[] flat(INDArray a) {
        return a.dup('c').data().asDouble();
    }
}
