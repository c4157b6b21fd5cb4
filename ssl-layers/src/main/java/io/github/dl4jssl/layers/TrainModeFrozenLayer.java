package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.TrainModeFrozenLayerImpl;
import java.util.Collection;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Configuration wrapper for the layers of a momentum (EMA) <em>target</em> branch: like DL4J's
 * {@link FrozenLayer} the wrapped layer gets no optimizer update and {@code ComputationGraph} skips
 * its backward pass entirely (stop-gradient, no compute spent), but unlike {@code FrozenLayer} the
 * wrapped layer runs its forward pass in the <em>training</em> mode of the network, so a
 * {@code BatchNormalization} inside normalises with batch statistics during {@code fit}, as the
 * key/target encoders of MoCo (He et al. 2020, "Momentum Contrast for Unsupervised Visual
 * Representation Learning") and BYOL (Grill et al. 2020, "Bootstrap Your Own Latent") do.
 *
 * <p>DL4J's own {@code FrozenLayer} and {@code FrozenLayerWithBackprop} always call the wrapped
 * layer with {@code training=false} (see ssl-listeners/DESIGN-momentum.md and the probe tests). The target's
 * parameters (including BatchNorm running statistics, which DL4J only updates in the backward pass)
 * are then changed only by the EMA listener ({@code EmaTargetListener} of ssl-listeners).
 *
 * <p>Works because {@code ComputationGraph} tests {@code instanceof
 * org.deeplearning4j.nn.layers.FrozenLayer} to skip backprop: the runtime layer here subclasses it.
 * Serialises with {@code ModelSerializer} like any DL4J layer (Jackson, by class name). Until version 0.1.0
 * this class was {@code io.github.dl4jssl.listeners.TrainModeFrozenLayer}; a deprecated subclass keeps that name,
 * so model files written then still load (Jackson stores the class name, so the old name must remain a class).
 */
public class TrainModeFrozenLayer extends FrozenLayer {

    private static final long serialVersionUID = 1L;

    /** @param layer the layer configuration to wrap (any layer with or without parameters, not an output layer) */
    public TrainModeFrozenLayer(@JsonProperty("layer") Layer layer) {
        super(layer);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        org.deeplearning4j.nn.layers.FrozenLayer frozen = (org.deeplearning4j.nn.layers.FrozenLayer) super.instantiate(
                conf, trainingListeners, layerIndex, layerParamsView, initializeParams, networkDataType);
        return new TrainModeFrozenLayerImpl(frozen.getInsideLayer());
    }
}
