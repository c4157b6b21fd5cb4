package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.NativeBatchNormalizationImpl;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Batch normalisation (Ioffe &amp; Szegedy, ICML 2015) that computes exactly what DL4J's {@link BatchNormalization}
 * computes (same parameters {@code gamma, beta, mean, log10stdev/var}, same running-statistics update, same JSON
 * fields) but runs CNN activations through faster code: NCHW activations as the contiguous [N*C, H*W] matrix
 * (per-row reductions and scale/shift, a few passes each way), NHWC activations through libnd4j's native
 * {@code batchnorm} and {@code batchnorm_bp} ops, and the feed-forward [N, C] features of MLP heads on Java arrays.
 *
 * <p>Why: DL4J 1.0.0-M2.1 builds the CPU batch normalisation out of separate broadcast and reduction ops
 * (about ten passes over the activations forward and backward, plus copies of non-contiguous inputs), and
 * libnd4j's ops as well as ND4J's reductions over axes (0, 2, 3) walk strided sub-arrays of NCHW data. It is a
 * subclass of {@link BatchNormalization}, so code that recognises batch normalisation layers (MoCo's shuffle BN,
 * the EMA target) treats it the same way.</p>
 *
 * <p>The native path covers rank-4 input (NCHW or NHWC) with learned gamma and beta and rank-2 (feed-forward) input,
 * also with {@code lockGammaBeta(true)}; rank-4 input with {@code lockGammaBeta(true)} runs DL4J's own
 * implementation unchanged.</p>
 */
public class NativeBatchNormalization extends BatchNormalization {

    /** For JSON; DL4J's defaults. */
    public NativeBatchNormalization() {
        super();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNOutSet("NativeBatchNormalization", getLayerName(), layerIndex, getNOut());
        return LayerWiring.wire(new NativeBatchNormalizationImpl(conf, networkDataType), conf, initializer(), trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public NativeBatchNormalization clone() { return (NativeBatchNormalization) super.clone(); }

    /** Equal only to another NativeBatchNormalization with the same settings (not to a plain BatchNormalization). */
    @Override
    public boolean equals(Object o) { return o != null && o.getClass() == getClass() && super.equals(o); }

    /** Lombok's equality hook of DL4J's configuration: DL4J's layer is not equal to this one either. */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof NativeBatchNormalization;
    }

    @Override
    public int hashCode() { return 31 * super.hashCode() + 11; }

    /**
     * DL4J's {@link BatchNormalization.Builder}, building a {@link NativeBatchNormalization} with every setting
     * of the DL4J layer it would have built (DL4J's constructor from a builder is private, so the settings are
     * copied field by field from that layer).
     */
    public static class Builder extends BatchNormalization.Builder {

        @Override
        public NativeBatchNormalization build() {
            return ConfigurationFields.copy(super.build(), new NativeBatchNormalization(), BatchNormalization.class);
        }
    }
}
