package io.github.dl4jssl.zoo.backbone;

import io.github.dl4jssl.layers.NativeActivationLayer;
import io.github.dl4jssl.layers.NativeBatchNormalization;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.activations.Activation;

import java.util.Locale;

/**
 * Which implementation of convolution, batch normalisation and ReLU a backbone is built from. Both compute the same
 * function with the same parameters (tested: equal loss and gradients); they differ in speed on the CPU.
 */
public enum LayerImplementation {

    /** DL4J's own {@link ConvolutionLayer}, {@link BatchNormalization} and {@link ActivationLayer}. */
    DL4J,

    /** {@link NativeConvolutionLayer}, {@link NativeBatchNormalization} and {@link NativeActivationLayer}. */
    NATIVE;

    /** The default of the zoo's backbones. */
    public static final LayerImplementation DEFAULT = NATIVE;

    /** A convolution builder of this implementation. */
    public ConvolutionLayer.Builder convolution(int kernel) {
        return this == NATIVE ? new NativeConvolutionLayer.Builder(kernel, kernel) : new ConvolutionLayer.Builder(kernel, kernel);
    }

    /** A batch-normalisation builder of this implementation, with DL4J's defaults. */
    public BatchNormalization.Builder batchNormalization() {
        return this == NATIVE ? new NativeBatchNormalization.Builder() : new BatchNormalization.Builder();
    }

    /** A ReLU activation layer of this implementation. */
    public ActivationLayer relu() {
        return this == NATIVE ? NativeActivationLayer.relu() : new ActivationLayer(Activation.RELU);
    }

    /** {@code dl4j} or {@code native} (case-insensitive); anything else is an error naming both. */
    public static LayerImplementation byName(String name) {
        for (LayerImplementation l : values()) {
            if (l.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown layer implementation '" + name + "'; valid: dl4j, native");
    }

    /** The lower-case name used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
