package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.TokenLayerImpl;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Base of the ViT layers of this package: a DL4J {@link SameDiffLayer} whose runtime layer ({@link TokenLayerImpl}) corrects
 * SameDiff's backward pass, and which needs no input preprocessor (the layers pass tokens [B, T, D] to each other).
 *
 * <p><b>Why the correction.</b> In DL4J 1.0.0-M2.1 every gradient that {@code SameDiffLayer}'s external-errors
 * backward pass returns (parameters and input) is exactly twice the true one: the double-precision gradient checks
 * of these layers fail with analytic = 2 x numerical for every entry, as {@code SplitBatchNormalization} found for a
 * plain {@code x * gamma + beta}. {@link TokenLayerImpl#backpropGradient} halves them; the gradient checks of every layer of
 * this package (each alone and stacked into a tiny ViT) verify the result against finite differences.</p>
 */
public abstract class TokenLayer extends SameDiffLayer {

    protected TokenLayer() {
    }

    /** A layer with the settings of DL4J's SameDiff layer Builder (name, per-layer updater, L1/L2, ...). */
    protected TokenLayer(SameDiffLayer.Builder<?> b) {
        super(b);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) { return null; }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(createImpl(conf, networkDataType), conf, initializer(), trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    /** The runtime layer; subclasses may return a subclass of {@link TokenLayerImpl}. */
    protected TokenLayerImpl createImpl(NeuralNetConfiguration conf, DataType networkDataType) {
        return new TokenLayerImpl(conf, networkDataType);
    }
}
