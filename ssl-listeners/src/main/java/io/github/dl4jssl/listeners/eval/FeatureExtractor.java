package io.github.dl4jssl.listeners.eval;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Computes frozen representations with a trained encoder, the first step of the standard
 * evaluation protocols of self-supervised learning: the linear probe (Zhang et al. 2016;
 * Chen et al., SimCLR, 2020) and the weighted kNN classifier (Wu et al., InstDisc, 2018).
 *
 * <p>The encoder is a graph with one output, the feature vector, typically built by
 * {@link io.github.dl4jssl.zoo.backbone.BackboneGraph#extract}. Inference runs with
 * {@code training=false}, so BatchNormalization uses its running statistics.
 */
public final class FeatureExtractor {

    private FeatureExtractor() {
    }

    /**
     * Runs {@code backboneGraph} on {@code images} in mini-batches.
     *
     * @param backboneGraph a graph with a single input and a single feed-forward output
     * @param images        images, {@code [N, C, H, W]} (or whatever the graph's input expects)
     * @param batchSize     number of images per forward pass (&gt; 0)
     * @return features {@code [N, featureSize]} as FLOAT, detached from any workspace
     */
    public static INDArray extract(ComputationGraph backboneGraph, INDArray images, int batchSize) {
        checkGraph(backboneGraph);
        if (images == null || images.rank() < 2) {
            throw new IllegalArgumentException("images must be an array with a leading batch dimension, got "
                    + (images == null ? "null" : "rank " + images.rank()));
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        long n = images.size(0);
        INDArray result = null;
        for (long start = 0; start < n; start += batchSize) {
            long end = Math.min(n, start + batchSize);
            INDArray batch = images.get(NDArrayIndex.interval(start, end));
            INDArray out = forward(backboneGraph, batch);
            if (result == null) {
                result = Nd4j.create(DataType.FLOAT, n, out.size(1));
            }
            result.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).assign(out);
        }
        if (result == null) {
            throw new IllegalArgumentException("images is empty (0 rows)");
        }
        return result;
    }

    /**
     * Runs {@code backboneGraph} on all feature arrays of {@code iterator} (labels are ignored;
     * use {@link #extractWithLabels} to keep them). The iterator is reset first if it supports it.
     *
     * @return features {@code [N, featureSize]} as FLOAT, detached from any workspace
     */
    public static INDArray extract(ComputationGraph backboneGraph, DataSetIterator iterator) {
        return extractWithLabels(backboneGraph, iterator).features();
    }

    /**
     * Runs {@code backboneGraph} on all mini-batches of {@code iterator} and keeps the labels as
     * class indices (the argmax of one-hot labels, or the value of single-column labels).
     */
    public static Features extractWithLabels(ComputationGraph backboneGraph, DataSetIterator iterator) {
        checkGraph(backboneGraph);
        if (iterator == null) {
            throw new IllegalArgumentException("iterator must not be null");
        }
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        List<INDArray> feats = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        boolean allLabels = true;
        while (iterator.hasNext()) {
            DataSet ds = iterator.next();
            feats.add(forward(backboneGraph, ds.getFeatures()).castTo(DataType.FLOAT));
            if (ds.getLabels() == null) {
                allLabels = false;
            } else {
                labels.add(Labels.toIndices(ds.getLabels()));
            }
        }
        if (feats.isEmpty()) {
            throw new IllegalArgumentException("iterator returned no data");
        }
        INDArray all = feats.size() == 1 ? feats.get(0) : Nd4j.concat(0, feats.toArray(new INDArray[0]));
        int[] lab = null;
        if (allLabels) {
            lab = labels.stream().flatMapToInt(java.util.Arrays::stream).toArray();
        }
        return new Features(all, lab);
    }

    /**
     * Checks that images {@code [N, C, H, W]} have the channel count the graph's first convolution expects, so
     * that a mismatch is named instead of failing deep inside the convolution. (The backbones here end in global
     * pooling and accept any height and width; {@link #checkImageShape(InputType, long[])} checks the size too
     * where the intended input is known.)
     *
     * @throws IllegalArgumentException naming both channel counts and the fix
     */
    public static void checkImageShape(ComputationGraph graph, long[] imageShape) {
        if (imageShape.length != 4 || graph.getConfiguration().getNetworkInputs().size() != 1) {
            return;
        }
        String input = graph.getConfiguration().getNetworkInputs().get(0);
        for (java.util.Map.Entry<String, java.util.List<String>> e : graph.getConfiguration().getVertexInputs().entrySet()) {
            org.deeplearning4j.nn.conf.graph.GraphVertex v = graph.getConfiguration().getVertices().get(e.getKey());
            if (e.getValue().contains(input) && v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex) {
                org.deeplearning4j.nn.conf.layers.Layer layer = ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer();
                if (layer instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer) {
                    long channels = ((org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer).getNIn();
                    if (channels != imageShape[1]) {
                        throw new IllegalArgumentException("the model expects images with " + channels + " channel(s) but got "
                                + imageShape[1] + "x" + imageShape[2] + "x" + imageShape[3] + " (channels x height x width); "
                                + "use a data set with " + channels + " channel(s), or a backbone built for " + imageShape[1]);
                    }
                }
            }
        }
    }

    /**
     * Checks images {@code [N, C, H, W]} against the input a backbone was built for.
     *
     * @throws IllegalArgumentException naming both shapes and the fix
     */
    public static void checkImageShape(InputType expected, long[] imageShape) {
        if (!(expected instanceof InputType.InputTypeConvolutional) || imageShape.length != 4) {
            return;
        }
        InputType.InputTypeConvolutional t = (InputType.InputTypeConvolutional) expected;
        if (imageShape[1] != t.getChannels() || imageShape[2] != t.getHeight() || imageShape[3] != t.getWidth()) {
            throw new IllegalArgumentException("the model expects images of " + t.getChannels() + "x" + t.getHeight()
                    + "x" + t.getWidth() + " (channels x height x width) but got " + imageShape[1] + "x" + imageShape[2]
                    + "x" + imageShape[3] + "; use a data set of that size and channel count, or a backbone built for "
                    + imageShape[1] + "x" + imageShape[2] + "x" + imageShape[3] + " images");
        }
    }

    private static INDArray forward(ComputationGraph graph, INDArray batch) {
        checkImageShape(graph, batch.shape());
        INDArray[] out = graph.output(false, batch);
        INDArray o = out[0];
        if (o.rank() != 2) {
            throw new IllegalStateException("The graph's output must be a feature vector [batch, features], got shape "
                    + java.util.Arrays.toString(o.shape()) + "; is the last vertex a global pooling layer?");
        }
        // output(...) returns arrays detached from workspaces; cast (a copy) only if needed
        return o.dataType() == DataType.FLOAT ? o : o.castTo(DataType.FLOAT);
    }

    private static void checkGraph(ComputationGraph graph) {
        if (graph == null) {
            throw new IllegalArgumentException("backboneGraph must not be null");
        }
        if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
            throw new IllegalArgumentException("backboneGraph must have exactly one input and one output, got "
                    + graph.getNumInputArrays() + " inputs and " + graph.getNumOutputArrays()
                    + " outputs; build it with BackboneGraph.standalone or BackboneGraph.extract");
        }
    }

    /** Features {@code [N, D]} and, when the data had labels, their class indices. */
    public record Features(INDArray features, int[] labels) {
    }
}
