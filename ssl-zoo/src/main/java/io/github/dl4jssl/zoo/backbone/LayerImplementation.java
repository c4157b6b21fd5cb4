package io.github.dl4jssl.zoo.backbone;

import io.github.dl4jssl.layers.NativeActivationLayer;
import io.github.dl4jssl.layers.NativeBatchNormalization;
import io.github.dl4jssl.layers.NativeConvBnRelu;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import io.github.dl4jssl.layers.NativeDenseLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;

/**
 * Which implementation of convolution, batch normalisation, ReLU and the heads' linear layers a method is built
 * from. Both compute the same function with the same parameters (tested: equal loss and gradients); they differ in
 * speed on the CPU.
 *
 * <p>The native layers are tuned for the CPU (strided copies into large GEMMs, per-row batch-norm sums, with
 * libnd4j's CPU ops). On a GPU, DL4J's own layers are the right choice: they are what DL4J runs through cuDNN
 * when a cuDNN helper is present, and their im2col + GEMM path otherwise. {@link #DEFAULT} is therefore chosen by
 * ND4J's backend when this class is first used ({@link #forBackend(String)}): {@link #FUSED} on the CPU, {@link #DL4J}
 * on CUDA.</p>
 */
public enum LayerImplementation {

    /** DL4J's own {@link ConvolutionLayer}, {@link BatchNormalization}, {@link ActivationLayer} and {@link DenseLayer}. */
    DL4J,

    /**
     * {@link NativeConvolutionLayer}, {@link NativeBatchNormalization}, {@link NativeActivationLayer} and
     * {@link NativeDenseLayer} (the heads' linear layers).
     */
    NATIVE,

    /**
     * {@link #NATIVE}, with every convolution + batch norm + ReLU block of a backbone that has such blocks
     * ({@code SmallCnn}) as one {@link NativeConvBnRelu} layer: the same function and parameters (in the same order),
     * faster in float training on the CPU (docs/bench/conv-bn-relu-s22). The graph has one vertex per block instead
     * of three. The default on the CPU (until December 2026: {@link #NATIVE}); MoCo's shuffle BN gives the key
     * encoder's blocks batch-norm groups ({@link NativeConvBnRelu#withBatchNormGroups}).
     */
    FUSED;

    /** Whether this implementation builds the native layers ({@link #NATIVE} and {@link #FUSED}). */
    public boolean isNative() {
        return this != DL4J;
    }

    /**
     * The default of the zoo's backbones: {@link #forBackend(String) chosen by} the backend ND4J loaded in this
     * JVM ({@link #FUSED} on the CPU, {@link #DL4J} on CUDA).
     */
    public static final LayerImplementation DEFAULT = forBackend(currentBackend());

    /**
     * The layer implementation for an ND4J backend, by the name ND4J reports in its environment information
     * ({@code "CPU"} for nd4j-native, {@code "CUDA"} for nd4j-cuda): {@link #DL4J} on CUDA (DL4J's own layers, with
     * cuDNN where DL4J has a helper for it), {@link #FUSED} on anything else (the CPU-tuned layers, with each
     * convolution + batch norm + ReLU block as one layer).
     */
    public static LayerImplementation forBackend(String backend) {
        return backend != null && backend.trim().equalsIgnoreCase("CUDA") ? DL4J : FUSED;
    }

    /** The name of ND4J's backend in this JVM, as DL4J's own helper selection reads it ("CPU", "CUDA"). */
    public static String currentBackend() {
        return Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
    }

    /** A convolution builder of this implementation. */
    public ConvolutionLayer.Builder convolution(int kernel) {
        return convolution(kernel, true);
    }

    /**
     * A convolution builder of this implementation; {@code inputGradient} false (a first layer, reading the network's
     * input) lets the native layer skip its input gradient ({@link NativeConvolutionLayer.Builder#inputGradient}).
     * DL4J's layer always computes it.
     */
    public ConvolutionLayer.Builder convolution(int kernel, boolean inputGradient) {
        return isNative() ? new NativeConvolutionLayer.Builder(kernel, kernel).inputGradient(inputGradient)
                : new ConvolutionLayer.Builder(kernel, kernel);
    }

    /**
     * A convolution builder for a layer that reads the vertex {@code input} of {@code graph}: without an input
     * gradient where {@code input} is one of the network's inputs (the images), which nothing differentiates.
     */
    public ConvolutionLayer.Builder convolution(int kernel, ComputationGraphConfiguration.GraphBuilder graph,
                                                String input) {
        return convolution(kernel, !graph.getNetworkInputs().contains(input));
    }

    /** A batch-normalisation builder of this implementation, with DL4J's defaults. */
    public BatchNormalization.Builder batchNormalization() {
        return isNative() ? new NativeBatchNormalization.Builder() : new BatchNormalization.Builder();
    }

    /** A fully connected layer builder of this implementation ({@link NativeDenseLayer} or DL4J's {@link DenseLayer}). */
    public DenseLayer.Builder dense() {
        return isNative() ? new NativeDenseLayer.Builder() : new DenseLayer.Builder();
    }

    /** A ReLU activation layer of this implementation. */
    public ActivationLayer relu() {
        return isNative() ? NativeActivationLayer.relu() : new ActivationLayer(Activation.RELU);
    }

    /**
     * A convolution + batch norm + ReLU block as one {@link NativeConvBnRelu} builder ({@link #FUSED} only; kernel
     * square, no bias, DL4J's batch-norm defaults).
     */
    public NativeConvBnRelu.Builder convBnRelu(int kernel, ComputationGraphConfiguration.GraphBuilder graph, String input) {
        if (this != FUSED) {
            throw new IllegalStateException("convBnRelu is the FUSED implementation's block; " + this
                    + " builds a convolution, a batch norm and a ReLU");
        }
        return new NativeConvBnRelu.Builder(kernel, kernel).inputGradient(!graph.getNetworkInputs().contains(input));
    }

    /** {@code dl4j}, {@code native} or {@code fused} (case-insensitive); anything else is an error naming them. */
    public static LayerImplementation byName(String name) {
        for (LayerImplementation l : values()) {
            if (l.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown layer implementation '" + name + "'; valid: dl4j, native, fused");
    }

    /** The lower-case name used on the command line. */
    public String id() { return name().toLowerCase(Locale.ROOT); }
}
