package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.NativeDenseLayerImpl;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's fully connected {@link DenseLayer} (same function, parameters {@code W} [nIn, nOut] and {@code b}, same JSON
 * fields) whose three products are single matrix products with transpose flags, through oneDNN's sgemm in float
 * ({@code OneDnnGemm}): y = x W + b, dL/dW = x^T delta, dL/dx = delta W^T. DL4J's layer computes dL/dx as
 * {@code W.mmul(delta.transpose()).transpose()}, recomputes the forward product in the backward pass, and runs its
 * products in OpenBLAS, whose thread pool competes with the OpenMP threads of every other op on 2 cores (session 19,
 * {@code docs/bench/dense-s19}). These are the linear layers of the projection and prediction heads of SimCLR, MoCo,
 * BYOL and SimSiam ({@link MlpHead}).
 *
 * <p>With layer normalisation, weight noise (DropConnect) or a mask array the layer runs DL4J's own code unchanged.</p>
 */
public class NativeDenseLayer extends DenseLayer {

    /** For JSON; DL4J's defaults. */
    public NativeDenseLayer() {
        super();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("NativeDenseLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new NativeDenseLayerImpl(conf, networkDataType), conf, initializer(), trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public NativeDenseLayer clone() { return (NativeDenseLayer) super.clone(); }

    /** Equal only to another NativeDenseLayer with the same settings (not to DL4J's DenseLayer). */
    @Override
    public boolean equals(Object o) { return o != null && o.getClass() == getClass() && super.equals(o); }

    /** Lombok's equality hook of DL4J's configuration: DL4J's layer is not equal to this one either. */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof NativeDenseLayer;
    }

    @Override
    public int hashCode() { return 31 * super.hashCode() + 17; }

    /**
     * DL4J's {@link DenseLayer.Builder}, building a {@link NativeDenseLayer} with every setting of the DL4J layer it
     * would have built.
     */
    public static class Builder extends DenseLayer.Builder {

        @Override
        public NativeDenseLayer build() {
            return ConfigurationFields.copy(super.build(), new NativeDenseLayer(), DenseLayer.class);
        }
    }
}
