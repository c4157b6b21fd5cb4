package io.github.dl4jssl.zoo.backbone;

import io.github.dl4jssl.layers.GraphNames;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * An image encoder f(·) that maps an image to a representation vector h, the part of a
 * self-supervised model that is kept for downstream tasks.
 *
 * <p>In SimCLR (Chen et al., "A Simple Framework for Contrastive Learning of Visual
 * Representations", ICML 2020) the encoder is a ResNet whose global-average-pooled output h is
 * fed to a projection head g(·); after pre-training, g is thrown away and h is used for linear
 * evaluation. A {@code Backbone} describes such an encoder as layers appended to a DL4J
 * {@link ComputationGraphConfiguration.GraphBuilder}, so that heads, losses and several views
 * can be wired around it in the same graph.
 *
 * <p>Implementations must name every vertex they add with the given {@code prefix}, so that the
 * encoder can later be taken out of a trained graph by name (see
 * {@link BackboneGraph#extract(org.deeplearning4j.nn.graph.ComputationGraph, Backbone, String)}).
 */
public interface Backbone {

    /** Default vertex-name prefix used by {@link #standalone(long)}: {@link GraphNames#BACKBONE}. */
    String DEFAULT_PREFIX = GraphNames.BACKBONE;

    /**
     * Appends the encoder's layers to {@code graph}.
     *
     * @param graph  the graph builder to add layers to; its input types must be set (or set later
     *               with {@code setInputTypes}) so that {@code nIn} values can be inferred
     * @param input  name of the existing vertex that supplies images of {@link #inputType()}
     * @param prefix prefix of every vertex name added, e.g. {@code "backbone_"}
     * @return the name of the output vertex: the global-pooled feature vector, a feed-forward
     *         activation of size {@link #featureSize()}
     */
    String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix);

    /** The image input this encoder expects, {@code InputType.convolutional(h, w, c)} (NCHW). */
    InputType inputType();

    /** Length of the feature vector returned by the vertex that {@link #appendTo} names. */
    int featureSize();

    /**
     * Names of the layers of the encoder's last stage, relative to the vertex prefix, as prefixes (for example
     * {@code "stage4"} for a ResNet); used to put an EMA on selected stages only (Pham et al. 2022). Empty when
     * the architecture does not define one.
     */
    default java.util.List<String> finalStage() {
        return java.util.List.of();
    }

    /** Short name of the architecture, as accepted by {@link Backbones#byName}. */
    String name();

    /**
     * The implementation of convolution, batch normalisation and ReLU this backbone builds; the methods' MLP heads
     * take their BatchNorm layers from it too. {@link LayerImplementation#DEFAULT} unless the architecture lets one
     * choose.
     */
    default LayerImplementation layers() {
        return LayerImplementation.DEFAULT;
    }

    /**
     * A graph with input {@code "input"}, this encoder (vertex prefix {@link #DEFAULT_PREFIX}) and
     * the feature vertex as its only output; no output layer, for feature extraction with
     * {@code graph.output(...)}.
     *
     * @param seed random seed for the weight initialisation
     */
    default ComputationGraphConfiguration standalone(long seed) {
        return BackboneGraph.standalone(this, DEFAULT_PREFIX, seed);
    }
}
