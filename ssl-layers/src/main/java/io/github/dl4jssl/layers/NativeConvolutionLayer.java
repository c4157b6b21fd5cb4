package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.NativeConvolutionLayerImpl;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * A 2-D convolution that computes exactly what DL4J's {@link ConvolutionLayer} computes (same parameters,
 * same initialisation, same output shape, same JSON fields), faster on the CPU:
 * <ul>
 *   <li>float NCHW: oneDNN's convolution primitives (forward, backward data, backward weights), the CPU kernels
 *   PyTorch uses, where oneDNN loads ({@code io.github.dl4jssl.layers.impl.OneDnn}); SimCLR's SmallCnn step 2.2x
 *   faster than the path below (README, "oneDNN in the native layers");</li>
 *   <li>other NCHW (double precision, or without oneDNN): the batch's columns as one matrix and one large matrix
 *   product per pass, with a transposed-convolution input gradient for stride 1;</li>
 *   <li>NHWC: libnd4j's {@code conv2d} and {@code conv2d_bp}.</li>
 * </ul>
 *
 * <p>Why: on the CPU backend DL4J 1.0.0-M2.1 (without the oneDNN helper) convolves through a Java-side
 * im2col into a permuted (non-contiguous) buffer, a permuted GEMM and a col2im, and recomputes the forward
 * pass inside the backward pass: profiling the SmallCnn SimCLR step at batch 2x256 put about 70% of the step in
 * those calls. Every path is tested against DL4J's layer (the column path in double precision, with gradient
 * checks; the oneDNN path against DL4J's layer in double, at float tolerance).</p>
 *
 * <p>Supported: {@link ConvolutionMode#Same}, {@code Truncate} and {@code Strict}, any kernel, stride,
 * padding and dilation, with or without bias, NCHW or NHWC ({@code Causal} is a 1-D mode, which DL4J's 2-D
 * builder rejects).
 * Use it where a {@code ConvolutionLayer} would go:</p>
 * <pre>{@code
 * graph.addLayer("conv1", new NativeConvolutionLayer.Builder(3, 3).stride(1, 1).nOut(32)
 *         .convolutionMode(ConvolutionMode.Same).hasBias(false).activation(Activation.IDENTITY).build(), "input");
 * }</pre>
 *
 * <p>A first layer, whose input is the network's input, can skip its input gradient:
 * {@link Builder#inputGradient(boolean) inputGradient(false)}.</p>
 */
public class NativeConvolutionLayer extends ConvolutionLayer {

    /** Whether the backward pass computes dL/dx; absent from model files written before it existed: true. */
    private boolean inputGradient = true;

    /** For JSON. */
    public NativeConvolutionLayer() {
        super();
    }

    protected NativeConvolutionLayer(Builder builder) {
        super(builder);
        this.inputGradient = builder.inputGradient;
    }

    /** Whether the backward pass computes and returns the input gradient dL/dx ({@link Builder#inputGradient}). */
    public boolean isInputGradient() { return inputGradient; }

    public void setInputGradient(boolean inputGradient) { this.inputGradient = inputGradient; }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("NativeConvolutionLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new NativeConvolutionLayerImpl(conf, networkDataType), conf, initializer(), trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public NativeConvolutionLayer clone() { return (NativeConvolutionLayer) super.clone(); }

    /** Equal only to another NativeConvolutionLayer with the same settings (not to a plain ConvolutionLayer). */
    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && super.equals(o)
                && inputGradient == ((NativeConvolutionLayer) o).inputGradient;
    }

    /** Lombok's equality hook of DL4J's configuration: DL4J's layer is not equal to this one either. */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof NativeConvolutionLayer;
    }

    @Override
    public int hashCode() { return 31 * (31 * super.hashCode() + 7) + (inputGradient ? 1 : 0); }

    /** The builder of DL4J's {@link ConvolutionLayer.Builder}, building a {@link NativeConvolutionLayer}. */
    public static class Builder extends ConvolutionLayer.Builder {

        private boolean inputGradient = true;

        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        public Builder() {
            super();
        }

        /**
         * false: the backward pass skips the input gradient dL/dx and returns none (null), as DL4J's
         * {@code FrozenLayer} does; only the parameter gradients are computed. For a first layer reading the network's
         * input, whose gradient nothing uses: PyTorch skips it the same way, because its input tensor does not require
         * a gradient. For SmallCnn's first convolution (1 input channel) at batch 2x256 this saves oneDNN's
         * backward-data pass, about 30 of the layer's 35 ms per step. Do not use it where something reads the input's
         * gradient ({@code ComputationGraph.calculateGradients}'s input gradients, a vertex between the input and this
         * layer, or another trainable layer reading the same input). Call it before DL4J's builder methods, which
         * return DL4J's builder type. Default: true.
         */
        public Builder inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
            return this;
        }

        @Override
        public NativeConvolutionLayer build() {
            super.build(); // DL4J's own validation of kernel, stride and padding
            return new NativeConvolutionLayer(this);
        }
    }
}
