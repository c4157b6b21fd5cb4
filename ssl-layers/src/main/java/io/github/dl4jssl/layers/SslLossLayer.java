package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.HandDerivedLossLayer;
import io.github.dl4jssl.layers.impl.LayerWiring;
import io.github.dl4jssl.layers.impl.ValidatingSameDiffOutputLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * Base class of the self-supervised loss layers: a parameter-free SameDiff output layer whose input is
 * a batch of embeddings (a feed-forward activation of shape [rows, nIn]) and whose score ignores labels.
 *
 * <p>Subclasses define the loss as the <em>sum</em> over the batch rows (DL4J divides the score and the
 * gradient by the mini-batch size), and may check the runtime input in {@link #validateInput(INDArray)}:
 * DL4J's SameDiff layers offer no such hook, so this class instantiates
 * {@link ValidatingSameDiffOutputLayer}, which calls it whenever an input is set.</p>
 */
public abstract class SslLossLayer extends SameDiffOutputLayer {

    /** Size of the embeddings; set from the input type by the graph builder. */
    protected long nIn;

    /** True: the loss runs as the SameDiff graph of {@link #defineLayer}, not its plain-ND4J runtime layer. */
    private boolean sameDiff;

    protected SslLossLayer() {
        // no-arg constructor for JSON
    }

    /** A loss with the settings every loss Builder has (the layer name). */
    protected SslLossLayer(Builder<?> b) {
        this.layerName = b.name;
        this.sameDiff = b.sameDiff;
    }

    /**
     * What every loss's Builder has, in DL4J style: the layer name. Self-typed, so that a loss's own setters and
     * {@link #name} chain in any order.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private String name;
        private boolean sameDiff;

        /**
         * Run the loss as the SameDiff graph of its {@code defineLayer} instead of its plain-ND4J runtime layer, where
         * it has one (same score and gradient; the graph is the tested reference, slower, and for BYOL's and SimSiam's
         * losses it leaks native memory in DL4J 1.0.0-M2.1). Default: false.
         */
        public B sameDiff(boolean sameDiff) {
            this.sameDiff = sameDiff;
            return self();
        }

        /** The layer name (the graph builder's vertex name takes precedence). */
        public B name(String name) {
            this.name = name;
            return self();
        }

        /** This builder as its concrete type. */
        @SuppressWarnings("unchecked")
        protected final B self() {
            return (B) this;
        }
    }

    public long getNIn() { return nIn; }

    public void setNIn(long nIn) { this.nIn = nIn; }

    /** True: the loss runs as the SameDiff graph of {@link #defineLayer} (the reference; slower). */
    public boolean isSameDiff() { return sameDiff; }

    public void setSameDiff(boolean sameDiff) { this.sameDiff = sameDiff; }

    /**
     * Checks a runtime input batch, throwing an {@link IllegalArgumentException} that names the problem.
     * The default checks that the input is a matrix of embeddings of size {@link #getNIn()}.
     */
    public void validateInput(INDArray input) {
        if (input.rank() != 2) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') expects embeddings of shape [batch, " + nIn + "] (rank 2), got rank " + input.rank()
                    + " input of shape " + java.util.Arrays.toString(input.shape())
                    + ". Put a projection head or a global pooling layer before the loss.");
        }
        if (nIn > 0 && input.size(1) != nIn) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') expects embeddings of size " + nIn + ", got shape " + java.util.Arrays.toString(input.shape()));
        }
    }

    @Override
    public String activationsVertexName() { return "input"; }

    /**
     * True, although the losses ignore labels: DL4J 1.0.0-M2.1's SameDiff output layer feeds a labels
     * placeholder during backprop whether or not one was declared. Any labels array works (the two-view
     * iterators give the class labels); where there is none, the runtime layer substitutes a zero column.
     */
    @Override
    public boolean labelsRequired() { return true; }

    @Override
    public void defineParameters(SDLayerParams params) {
        // no parameters
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType.getType() != InputType.Type.FF) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') expects feed-forward embeddings (InputType.feedForward), got " + inputType
                    + ". Put a projection head or a global pooling layer before the loss.");
        }
        if (nIn <= 0 || override) {
            nIn = ((InputType.InputTypeFeedForward) inputType).getSize();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) { return null; }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType.getType() != InputType.Type.FF) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " (layer '" + getLayerName()
                    + "') expects feed-forward embeddings (InputType.feedForward), got " + inputType);
        }
        return inputType;
    }

    /**
     * The loss's plain-ND4J runtime layer, which computes the score and gradient of {@link #defineLayer} by hand; null
     * (the default, e.g. for a loss of your own) if it has none and always runs as its SameDiff graph.
     */
    protected HandDerivedLossLayer handDerivedLayer(NeuralNetConfiguration conf, DataType dataType) {
        return null;
    }

    /**
     * The runtime layer {@link #instantiate} sets up: the {@link #handDerivedLayer} where the loss has one, unless
     * {@link #isSameDiff()} asks for the SameDiff graph of {@link #defineLayer} (the reference), which runs otherwise.
     */
    private ValidatingSameDiffOutputLayer runtimeLayer(NeuralNetConfiguration conf, DataType dataType) {
        HandDerivedLossLayer handDerived = sameDiff ? null : handDerivedLayer(conf, dataType);
        return handDerived != null ? handDerived : new ValidatingSameDiffOutputLayer(conf, dataType);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(runtimeLayer(conf, networkDataType), conf, initializer(), trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    /**
     * The rule for a softmax temperature t, written once for the losses and the methods that configure them: a
     * positive finite number.
     *
     * @param owner names the loss or method in the message, e.g. {@code "InfoNceLoss"} or {@code "MocoV3"}
     * @return {@code temperature}
     */
    public static double checkTemperature(String owner, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(owner + " temperature must be a positive finite number, got " + temperature);
        }
        return temperature;
    }
}
