package io.github.dl4jssl.zoo.backbone;

import io.github.dl4jssl.layers.NetworkSeed;
import io.github.dl4jssl.layers.GraphNames;
import java.util.Arrays;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Helpers to build a {@link Backbone} as a graph of its own and to take a trained backbone out
 * of a larger self-supervised graph.
 *
 * <p>After self-supervised pre-training (e.g. SimCLR, Chen et al. 2020) only the encoder is kept:
 * the projection head and the contrastive loss are discarded and the encoder's representation is
 * evaluated with a linear probe or kNN. {@link #extract} does this for DL4J: it rebuilds the
 * backbone alone, with the same vertex names, and copies every layer's parameters from the trained
 * graph. In DL4J the BatchNormalization running mean and variance are entries of the layer's
 * parameter table, so copying the parameter table also copies the running statistics.
 */
public final class BackboneGraph {

    /** Name of the input vertex of graphs built here: {@link GraphNames#INPUT}. */
    public static final String INPUT = GraphNames.INPUT;

    private BackboneGraph() {
    }

    /**
     * Builds a configuration {@code "input" -> backbone -> feature vertex (output)}.
     *
     * @param backbone the encoder
     * @param prefix   prefix of the backbone's vertex names (must match the trained graph's if the
     *                 result is used with {@link #extract})
     * @param seed     random seed for weight initialisation
     */
    public static ComputationGraphConfiguration standalone(Backbone backbone, String prefix, long seed) {
        if (backbone == null) {
            throw new IllegalArgumentException("backbone must not be null");
        }
        if (prefix == null) {
            throw new IllegalArgumentException("prefix must not be null (use \"\" for no prefix)");
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(NetworkSeed.check("seed", seed))
                .weightInit(WeightInit.RELU)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(backbone.inputType());
        String out = backbone.appendTo(g, INPUT, prefix);
        g.setOutputs(out);
        return g.build();
    }

    /**
     * Takes the backbone out of a trained graph: builds {@link #standalone} with the same vertex
     * names and copies, layer by layer, all parameters (weights, BatchNorm gamma/beta and running
     * mean/variance) from {@code trained}.
     *
     * @param trained  a graph that contains {@code backbone} appended with {@code prefix}
     * @param backbone the same backbone description that was used to build {@code trained}
     * @param prefix   the prefix used when the backbone was appended to {@code trained}
     * @return an initialised graph whose single output is the backbone's feature vector; its
     *         parameters are copies, independent of {@code trained}
     * @throws IllegalArgumentException if a backbone layer is missing from {@code trained} or a
     *                                  parameter has a different shape
     */
    public static ComputationGraph extract(ComputationGraph trained, Backbone backbone, String prefix) {
        if (trained == null) {
            throw new IllegalArgumentException("trained graph must not be null");
        }
        ComputationGraph out = new ComputationGraph(standalone(backbone, prefix, 1L)); // any seed: the parameters are copied over
        out.init();
        for (Layer layer : out.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            GraphVertex srcVertex = trained.getVertex(name);
            Layer src = srcVertex != null && srcVertex.hasLayer() ? srcVertex.getLayer() : null;
            if (src == null) {
                throw new IllegalArgumentException("Layer '" + name + "' of backbone '" + backbone.name()
                        + "' not found in the trained graph; was the backbone appended with prefix '"
                        + prefix + "'?");
            }
            Map<String, INDArray> dst = layer.paramTable();
            Map<String, INDArray> srcParams = src.paramTable();
            if (!dst.keySet().equals(srcParams.keySet())) {
                throw new IllegalArgumentException("Layer '" + name + "' has parameters " + srcParams.keySet()
                        + " in the trained graph but " + dst.keySet() + " in backbone '" + backbone.name() + "'");
            }
            for (Map.Entry<String, INDArray> e : dst.entrySet()) {
                INDArray from = srcParams.get(e.getKey());
                if (!Arrays.equals(from.shape(), e.getValue().shape())) {
                    throw new IllegalArgumentException("Parameter '" + e.getKey() + "' of layer '" + name
                            + "' has shape " + Arrays.toString(from.shape()) + " in the trained graph but "
                            + Arrays.toString(e.getValue().shape()) + " in backbone '" + backbone.name() + "'");
                }
                // assign into the view of the flattened parameter vector
                e.getValue().assign(from.castTo(e.getValue().dataType()));
            }
        }
        return out;
    }
}
