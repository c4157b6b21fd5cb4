package io.github.dl4jssl.samples.bench;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.MergedPairLoss;
import io.github.dl4jssl.layers.NtXentLoss;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;

import java.util.Map;

/**
 * Counts the multiply-adds (MACs) of a training step of a {@link ComputationGraphConfiguration}: the convolution
 * and dense layers (the matrix products that dominate the cost; element-wise layers, batch normalisation and pooling
 * are left out) and the similarity matrices of the contrastive losses. One MAC is two floating-point operations.
 *
 * <p>Per input row: a convolution with output [outC, outH, outW], inC input channels and a kH x kW kernel costs
 * outC * outH * outW * inC * kH * kW; a dense layer nIn * nOut. A trainable layer costs three times its forward
 * pass in training (forward, gradient of the input, gradient of the weights); a frozen layer (momentum target)
 * only its forward pass; a {@link FrozenLayerWithBackprop} two. Per batch of R rows with embedding width d:
 * NT-Xent R * R * d forward, three times that in training; InfoNCE with a K-key queue R * K * d forward (twice
 * in training: no gradient into the queue) plus R * R * d for in-batch negatives.</p>
 */
public final class FlopCounter {

    /** MACs of one training step. */
    public record Count(long forwardMacsPerRow, long trainingMacsPerRow, long lossForwardMacs, long lossTrainingMacs) {
        /** Training MACs of a batch of {@code rows} input rows, layers and loss. */
        public double trainingMacs(long rows) { return (double) trainingMacsPerRow * rows + lossTrainingMacs; }
    }

    private FlopCounter() {
    }

    /**
     * @param conf       the graph (not changed: its copy is analysed)
     * @param batchRows  rows of a training batch (2N for N image pairs), for the loss terms
     * @param inputTypes the types of the graph's inputs, in order
     */
    public static Count count(ComputationGraphConfiguration conf, long batchRows, InputType... inputTypes) {
        if (inputTypes.length != conf.getNetworkInputs().size()) {
            throw new IllegalArgumentException("the graph has " + conf.getNetworkInputs().size() + " inputs, got "
                    + inputTypes.length + " input types");
        }
        Map<String, InputType> types = conf.clone().getLayerActivationTypes(true, inputTypes);
        long forward = 0;
        long training = 0;
        long lossForward = 0;
        long lossTraining = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex)) {
                continue;
            }
            Layer layer = ((LayerVertex) e.getValue()).getLayerConf().getLayer();
            int passes = 3;
            if (layer instanceof FrozenLayerWithBackprop) {
                layer = ((FrozenLayerWithBackprop) layer).getUnderlying();
                passes = 2;
            } else if (layer instanceof FrozenLayer) {
                layer = ((FrozenLayer) layer).getLayer();
                passes = 1;
            }
            InputType out = types.get(e.getKey());
            long macs = 0;
            if (layer instanceof ConvolutionLayer && out instanceof InputType.InputTypeConvolutional) {
                ConvolutionLayer c = (ConvolutionLayer) layer;
                InputType.InputTypeConvolutional o = (InputType.InputTypeConvolutional) out;
                macs = o.getChannels() * o.getHeight() * o.getWidth() * c.getNIn()
                        * (long) c.getKernelSize()[0] * c.getKernelSize()[1];
            } else if (layer instanceof DenseLayer) {
                DenseLayer d = (DenseLayer) layer;
                macs = d.getNIn() * d.getNOut();
            } else if (layer instanceof NtXentLoss) {
                long d = ((NtXentLoss) layer).getNIn();
                lossForward += batchRows * batchRows * d;
                lossTraining += 3 * batchRows * batchRows * d;
            } else if (layer instanceof InfoNceLoss) {
                InfoNceLoss l = (InfoNceLoss) layer;
                long d = ((MergedPairLoss) l).halfWidth();
                long queue = (long) l.getQueueSize() * batchRows * d;
                long batch = l.isBatchNegatives() ? batchRows * batchRows * d : 0;
                lossForward += queue + batch;
                lossTraining += 2 * queue + 3 * batch;
            }
            forward += macs;
            training += passes * macs;
        }
        return new Count(forward, training, lossForward, lossTraining);
    }
}
