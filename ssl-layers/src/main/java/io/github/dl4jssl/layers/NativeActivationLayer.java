package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.NativeActivationLayerImpl;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link ActivationLayer} (same function, same JSON fields) whose ReLU runs without DL4J's copies: the forward
 * pass writes max(x, 0) straight into the output, the backward pass is libnd4j's single {@code relu_bp} op, where
 * DL4J's layer first copies the input in both passes. Any other activation runs DL4J's own code.
 *
 * <p>Why: after the native convolution and batch normalisation, SmallCnn's ReLU layers took about a tenth of the
 * SimCLR step on 2 CPU cores.</p>
 */
public class NativeActivationLayer extends ActivationLayer {

    /** For JSON. */
    public NativeActivationLayer() {
        super();
    }

    public NativeActivationLayer(Activation activation) {
        super(activation);
    }

    public NativeActivationLayer(IActivation activation) {
        super(activation);
    }

    /** A ReLU layer. */
    public static NativeActivationLayer relu() { return new NativeActivationLayer(Activation.RELU); }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new NativeActivationLayerImpl(conf, networkDataType), conf, initializer(), trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public NativeActivationLayer clone() { return (NativeActivationLayer) super.clone(); }

    /** Equal only to another NativeActivationLayer with the same activation (not to DL4J's ActivationLayer). */
    @Override
    public boolean equals(Object o) { return o != null && o.getClass() == getClass() && super.equals(o); }

    /** Lombok's equality hook of DL4J's configuration: DL4J's layer is not equal to this one either. */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof NativeActivationLayer;
    }

    @Override
    public int hashCode() { return 31 * super.hashCode() + 13; }
}
