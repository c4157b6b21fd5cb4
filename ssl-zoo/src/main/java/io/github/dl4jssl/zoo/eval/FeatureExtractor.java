package io.github.dl4jssl.zoo.eval;

import io.github.dl4jssl.listeners.monitor.Labels;
import java.util.ArrayList;
import java.util.List;

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

    private static INDArray forward(ComputationGraph graph, INDArray batch) {
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
