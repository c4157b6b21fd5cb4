package io.github.dl4jssl.listeners;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.KeyQueue;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MoCo's dequeue-and-enqueue (He et al. 2020, "Momentum Contrast for Unsupervised Visual Representation
 * Learning", Algorithm 1) as a DL4J training listener: after every iteration of {@code ComputationGraph.fit}
 * the keys of that iteration replace the oldest keys of the queue held by an {@link InfoNceLoss} layer.
 *
 * <p><b>Where the keys come from.</b> The loss layer's input {@code merge(q, k)} is captured in
 * {@link #onForwardPass(Model, Map)} (called by {@code ComputationGraph.computeGradientAndScore} after the
 * forward pass and before the backward pass) by the name of the vertex that feeds the loss, and copied
 * ({@code dup()}) because the activations live in a workspace that is reused by the next iteration. This
 * costs one [2N, 2d] copy and no extra forward pass; re-running the key encoder in {@code iterationDone}
 * would cost a second forward pass of the target branch and, since {@code EmaTargetListener} may already
 * have moved the target by then, would give keys that the loss never saw. The captured keys are exactly those
 * of MoCo's Algorithm 1: computed by the key encoder before this iteration's momentum update.</p>
 *
 * <p><b>Order of operations</b> (the loss of iteration t uses the queue as it was before iteration t's
 * keys): forward pass (loss uses the old queue) - {@code onForwardPass} (keys captured) - backward pass and
 * optimizer step (the queue has {@code Sgd(0)} and no regularization, so it is unchanged) -
 * {@code iterationDone} (keys enqueued). Its order relative to {@link EmaTargetListener} does not matter:
 * both act in {@code iterationDone} on disjoint parameters, and the keys were captured before either.</p>
 *
 * <p>Which keys: all 2N if the loss is symmetric, else the N keys of view 2 (rows N..2N-1), see
 * {@link KeyQueue#enqueueFromLossInput}. Stateless between iterations (only the keys captured for the
 * current one), so a fresh instance continues a restored model: the queue and its pointer are parameters of
 * the loss layer and are saved by {@code ModelSerializer}.</p>
 *
 * <pre>{@code
 * graph.addListeners(KeyQueueListener.builder().lossLayer("loss").build());
 * }</pre>
 */
public class KeyQueueListener extends BaseTrainingListener {

    private final String lossLayer;
    private final String inputVertex;

    private transient INDArray pendingLossInput;
    private transient ComputationGraph resolvedFor;
    private transient String resolvedInput;

    private KeyQueueListener(Builder b) {
        this.lossLayer = b.lossLayer;
        this.inputVertex = b.inputVertex;
    }

    /** @return a builder (loss layer "loss", its input vertex taken from the graph configuration) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the name of the InfoNCE loss layer whose queue is updated */
    public String getLossLayer() {
        return lossLayer;
    }

    /**
     * Checks that the graph has an {@link InfoNceLoss} layer with a queue under the configured name, fed by
     * exactly one vertex, and returns the name of that vertex (whose activation is the loss input).
     *
     * @param graph the graph
     * @return the name of the vertex that feeds the loss layer
     * @throws IllegalStateException naming the problem
     */
    public String validate(ComputationGraph graph) {
        Map<String, GraphVertex> vertices = graph.getConfiguration().getVertices();
        GraphVertex v = vertices.get(lossLayer);
        if (!(v instanceof LayerVertex) || !(((LayerVertex) v).getLayerConf().getLayer() instanceof InfoNceLoss)) {
            throw new IllegalStateException("KeyQueueListener: '" + lossLayer + "' is not an InfoNceLoss layer of the graph"
                    + (v == null ? " (no such vertex; vertices: " + vertices.keySet() + ")" : ""));
        }
        InfoNceLoss conf = (InfoNceLoss) ((LayerVertex) v).getLayerConf().getLayer();
        if (conf.getQueueSize() <= 0) {
            throw new IllegalStateException("KeyQueueListener: InfoNceLoss layer '" + lossLayer
                    + "' has no queue (queueSize 0): nothing to enqueue into");
        }
        List<String> inputs = graph.getConfiguration().getVertexInputs().get(lossLayer);
        if (inputVertex != null) {
            if (!inputs.contains(inputVertex)) {
                throw new IllegalStateException("KeyQueueListener: vertex '" + inputVertex + "' does not feed the loss layer '"
                        + lossLayer + "' (its inputs: " + inputs + ")");
            }
            return inputVertex;
        }
        if (inputs.size() != 1) {
            throw new IllegalStateException("KeyQueueListener: loss layer '" + lossLayer + "' must have exactly one input, "
                    + "merge(q, k); it has " + inputs);
        }
        return inputs.get(0);
    }

    private String inputFor(ComputationGraph graph) {
        if (resolvedFor != graph) {
            resolvedInput = validate(graph);
            resolvedFor = graph;
        }
        return resolvedInput;
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        ComputationGraph graph = requireGraph(model);
        String name = inputFor(graph);
        INDArray in = activations.get(name);
        if (in == null) {
            throw new IllegalStateException("KeyQueueListener: the forward pass has no activation for vertex '" + name
                    + "' (the input of loss layer '" + lossLayer + "'); activations: " + activations.keySet());
        }
        InfoNceLoss conf = (InfoNceLoss) ((LayerVertex) graph.getConfiguration().getVertices().get(lossLayer))
                .getLayerConf().getLayer();
        long keys = conf.isSymmetric() ? in.size(0) : in.size(0) / 2;
        if (keys > conf.getQueueSize()) {
            // fail before the optimizer step, not after it in KeyQueue.enqueue
            throw new IllegalStateException("KeyQueueListener: the queue of InfoNceLoss layer '" + lossLayer + "' holds "
                    + conf.getQueueSize() + " keys, fewer than the " + keys + " keys of one batch ("
                    + (conf.isSymmetric() ? "symmetric loss: all " + in.size(0) + " rows" : "view 2 of " + in.size(0) + " stacked rows")
                    + "); use a queue size of at least " + keys + " (MoCo: a multiple of the batch size) or smaller batches");
        }
        // the activations live in DL4J's activation workspace, which the next iteration overwrites
        pendingLossInput = in.dup();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        ComputationGraph graph = requireGraph(model);
        if (pendingLossInput == null) {
            throw new IllegalStateException("KeyQueueListener: iteration " + iteration + " ended without a captured forward pass; "
                    + "the listener must be registered on the graph before fit (graph.addListeners(...))");
        }
        INDArray keys = pendingLossInput;
        pendingLossInput = null;
        KeyQueue.enqueueFromLossInput(graph, lossLayer, keys);
    }

    private static ComputationGraph requireGraph(Model model) {
        if (!(model instanceof ComputationGraph)) {
            throw new IllegalArgumentException("KeyQueueListener needs a ComputationGraph with an InfoNceLoss layer, got "
                    + (model == null ? "null" : model.getClass().getName()));
        }
        return (ComputationGraph) model;
    }

    @Override
    public String toString() {
        return "KeyQueueListener{lossLayer='" + lossLayer + "'" + (inputVertex == null ? "" : ", input='" + inputVertex + "'") + "}";
    }

    /** Builder for {@link KeyQueueListener}. */
    public static final class Builder {
        private String lossLayer = "loss";
        private String inputVertex;

        private Builder() {
        }

        /**
         * @param lossLayer the name of the {@link InfoNceLoss} layer (with a queue), default "loss"
         * @return this
         */
        public Builder lossLayer(String lossLayer) {
            this.lossLayer = Objects.requireNonNull(lossLayer, "lossLayer");
            return this;
        }

        /**
         * @param inputVertex the vertex whose activation is the loss input merge(q, k); by default the loss
         *                    layer's only input in the graph configuration
         * @return this
         */
        public Builder inputVertex(String inputVertex) {
            this.inputVertex = inputVertex;
            return this;
        }

        /** @return the listener */
        public KeyQueueListener build() {
            return new KeyQueueListener(this);
        }
    }
}
