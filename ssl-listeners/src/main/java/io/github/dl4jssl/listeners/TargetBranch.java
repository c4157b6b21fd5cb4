package io.github.dl4jssl.listeners;

import io.github.dl4jssl.layers.GraphNames;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * Appends the momentum (target) copy of a part of the online network: the same layers under the name
 * {@code prefix + online name}, each wrapped in {@link TrainModeFrozenLayer}, so the target gets no
 * gradient, no optimizer update and no backward pass, while its BatchNorm layers still normalise with batch
 * statistics as in MoCo (He et al. 2020) and BYOL (Grill et al. 2020). The EMA listener keeps it the
 * exponential moving average of the online layers. Vertices without a layer (e.g. a ResNet's residual
 * {@code ElementWiseVertex}) are copied inside DL4J's {@link FrozenVertex}, so the backward pass skips them too.
 */
public final class TargetBranch {

    private static final String SCRATCH_INPUT = "__target_branch_input";

    private TargetBranch() {
    }

    /**
     * @param graph    the graph to add the frozen copy to
     * @param input    the vertex the copy reads from (the image input for a full target encoder, the online
     *                 backbone's output for a projector-only target)
     * @param prefix   name prefix of the copy, usually {@link GraphNames#TARGET}, the prefix {@link EmaScope} pairs by
     * @param appender adds the online layers to a builder, reading from the given input, and returns the
     *                 name of their output (e.g. {@code (g, in) -> backbone.appendTo(g, in, "backbone_")})
     * @return the name of the copy's output vertex
     */
    public static String append(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix,
                                BiFunction<ComputationGraphConfiguration.GraphBuilder, String, String> appender) {
        return append(graph, input, prefix, appender, UnaryOperator.identity());
    }

    /**
     * Like {@link #append(ComputationGraphConfiguration.GraphBuilder, String, String, BiFunction)}, with each
     * copied layer configuration passed through {@code transform} before it is frozen (e.g. MoCo's shuffle BN
     * replaces BatchNormalization by SplitBatchNormalization in the key encoder only).
     */
    public static String append(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix,
                                BiFunction<ComputationGraphConfiguration.GraphBuilder, String, String> appender,
                                UnaryOperator<Layer> transform) {
        ComputationGraphConfiguration.GraphBuilder scratch = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs(SCRATCH_INPUT);
        String output = appender.apply(scratch, SCRATCH_INPUT);
        Map<String, List<String>> inputs = scratch.getVertexInputs();
        for (Map.Entry<String, GraphVertex> e : scratch.getVertices().entrySet()) {
            String[] from = inputs.get(e.getKey()).stream()
                    .map(name -> name.equals(SCRATCH_INPUT) ? input : prefix + name).toArray(String[]::new);
            GraphVertex vertex = e.getValue();
            if (vertex instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) vertex;
                graph.addLayer(prefix + e.getKey(), new TrainModeFrozenLayer(transform.apply(lv.getLayerConf().getLayer().clone())),
                        lv.getPreProcessor(), from);
            } else {
                // parameter-free vertices (e.g. a residual ElementWiseVertex) must be frozen too: the graph skips
                // the backward pass of frozen layers, so a plain vertex between them would receive no epsilon and
                // fail with "Cannot do backward pass: errors not set"
                graph.addVertex(prefix + e.getKey(), new FrozenVertex(vertex.clone()), from);
            }
        }
        return prefix + output;
    }
}
