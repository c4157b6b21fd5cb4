package io.github.dl4jssl.listeners;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
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
import org.nd4j.linalg.factory.Nd4j;

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
 * <p><b>Several workers</b> (DL4J's ParallelWrapper, which calls one listener instance from all its worker
 * threads, each with its own replica of the graph, and averages all parameters of the replicas, the queue
 * included): the state of an iteration is kept per graph, and with {@code workers(n)} the keys are exchanged
 * between the n workers of a round ({@code KeyAllGather}, MoCo's {@code concat_all_gather}): every replica
 * enqueues the keys of all n workers, in the same order, so the replicas' queues stay identical, averaging
 * leaves them unchanged, and the queue holds each worker's keys once (n B keys per round). Without
 * {@code workers(n)} the replicas would enqueue different keys into the same slots and averaging would turn
 * them into averages of unrelated keys; the listener detects this: before every forward pass it checks that
 * the queue rows it wrote last time are still there, and fails with a message naming the cause and the fix.</p>
 *
 * <pre>{@code
 * graph.addListeners(KeyQueueListener.builder().lossLayer("loss").build());
 * parallelWrapper.setListeners(ema, KeyQueueListener.builder().workers(2).build());  // 2 ParallelWrapper workers
 * }</pre>
 */
public class KeyQueueListener extends BaseTrainingListener implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final String lossLayer;
    private final String inputVertex;
    private final int workers;
    private final Duration gatherTimeout;

    /**
     * Per graph, by identity (ParallelWrapper calls one instance from several threads, each with its own replica;
     * ComputationGraph.equals compares parameters); weak, so that the listener keeps no graph alive.
     */
    private transient List<GraphState> states;
    /** shared by the threads that use this instance; a deserialized copy (e.g. on a Spark executor) has its own */
    private transient KeyAllGather gather;

    /** What this listener knows about one graph between the calls of one iteration. */
    private static final class GraphState {
        WeakReference<ComputationGraph> graph;
        String input;
        INDArray pendingLossInput;
        /** the queue pointer before the last enqueue and the L2-normalised keys written there */
        long writtenAt = -1;
        INDArray written;
    }

    private KeyQueueListener(Builder b) {
        this.lossLayer = b.lossLayer;
        this.inputVertex = b.inputVertex;
        this.workers = b.workers;
        this.gatherTimeout = b.gatherTimeout;
    }

    private synchronized KeyAllGather gather() {
        if (gather == null && workers > 1) {
            gather = new KeyAllGather(workers, gatherTimeout);
        }
        return gather;
    }

    private synchronized List<GraphState> states() {
        if (states == null) {
            states = new ArrayList<>();
        }
        return states;
    }

    /** @return a builder (loss layer "loss", its input vertex taken from the graph configuration) */
    public static Builder builder() { return new Builder(); }

    /** @return the name of the InfoNCE loss layer whose queue is updated */
    public String getLossLayer() { return lossLayer; }

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

    /** @return the number of workers whose keys are exchanged every iteration (1: no exchange) */
    public int getWorkers() { return workers; }

    private GraphState stateFor(ComputationGraph graph) {
        List<GraphState> states = states();
        synchronized (states) {
            states.removeIf(st -> st.graph.get() == null);
            for (GraphState st : states) {
                if (st.graph.get() == graph) {
                    return st;
                }
            }
            GraphState state = new GraphState();
            state.graph = new WeakReference<>(graph);
            state.input = validate(graph);
            states.add(state);
            return state;
        }
    }

    /**
     * Fails if the queue holds something other than the L2-normalised keys this listener and other replicas wrote,
     * in practice the result of parameter averaging across workers that enqueued different keys into the same
     * slots: (1) every queue row must have norm 1 (an average of different unit keys is shorter), which also
     * catches averaging on Spark, where every task gets a fresh copy of the listener; (2) the rows this instance
     * wrote at the last iteration of this graph must still be there.
     */
    private void checkQueueUnchanged(ComputationGraph graph, GraphState state) {
        INDArray queue = graph.getLayer(lossLayer).getParam(InfoNceLoss.QUEUE).dup();
        INDArray norms = queue.norm2(1);
        INDArray deviation = org.nd4j.linalg.ops.transforms.Transforms.abs(norms.sub(1.0), false);
        if (deviation.maxNumber().doubleValue() > 1e-3) {
            long bad = deviation.argMax().getLong(0);
            throw queueRewritten("queue row " + bad + " has norm " + norms.getDouble(bad) + " instead of 1");
        }
        if (state.written == null) {
            return;
        }
        INDArray there = KeyQueue.ringRows(queue, state.writtenAt, state.written.size(0));
        if (!there.equalsWithEps(state.written, 1e-5)) {
            long k = queue.size(0);
            for (long i = 0; i < state.written.size(0); i++) { // only to name the first row that changed
                if (!there.getRow(i).equalsWithEps(state.written.getRow(i), 1e-5)) {
                    throw queueRewritten("queue row " + (state.writtenAt + i) % k + " is not the key enqueued there");
                }
            }
        }
    }

    private IllegalStateException queueRewritten(String what) {
        return new IllegalStateException("KeyQueueListener: the key queue of InfoNceLoss layer '" + lossLayer
                + "' was changed since the last enqueue (" + what + "). Parameter averaging across workers (DL4J"
                + " ParallelWrapper, DL4J on Spark) averages the queues of replicas that enqueued different keys, which"
                + " mixes unrelated keys. Under ParallelWrapper build the listener with KeyQueueListener.builder().workers(n)"
                + " for its n workers, so that every replica enqueues the keys of all workers and the queues stay identical;"
                + " on Spark a queue cannot be kept correct (use a method without a queue: MoCo v3, BYOL, SimCLR)");
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        ComputationGraph graph = requireGraph(model);
        GraphState state = stateFor(graph);
        checkQueueUnchanged(graph, state);
        String name = state.input;
        INDArray in = activations.get(name);
        if (in == null) {
            throw new IllegalStateException("KeyQueueListener: the forward pass has no activation for vertex '" + name
                    + "' (the input of loss layer '" + lossLayer + "'); activations: " + activations.keySet());
        }
        InfoNceLoss conf = (InfoNceLoss) ((LayerVertex) graph.getConfiguration().getVertices().get(lossLayer))
                .getLayerConf().getLayer();
        long keys = workers * (conf.isSymmetric() ? in.size(0) : in.size(0) / 2);
        if (keys > conf.getQueueSize()) {
            // fail before the optimizer step, not after it in KeyQueue.enqueue
            throw new IllegalStateException("KeyQueueListener: the queue of InfoNceLoss layer '" + lossLayer + "' holds "
                    + conf.getQueueSize() + " keys, fewer than the " + keys + " keys of one batch ("
                    + (conf.isSymmetric() ? "symmetric loss: all " + in.size(0) + " rows" : "view 2 of " + in.size(0) + " stacked rows")
                    + (workers > 1 ? ", times " + workers + " workers" : "") + "); use a queue size of at least " + keys + " (MoCo: a multiple of the batch size) or smaller batches");
        }
        // the activations live in DL4J's activation workspace, which the next iteration overwrites
        state.pendingLossInput = in.dup();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        ComputationGraph graph = requireGraph(model);
        GraphState state = stateFor(graph);
        if (state.pendingLossInput == null) {
            throw new IllegalStateException("KeyQueueListener: iteration " + iteration + " ended without a captured forward pass; "
                    + "the listener must be registered on the graph before fit (graph.addListeners(...))");
        }
        InfoNceLoss conf = (InfoNceLoss) graph.getLayer(lossLayer).conf().getLayer();
        INDArray keys = KeyQueue.keysOf(conf, state.pendingLossInput);
        state.pendingLossInput = null;
        if (workers > 1) {
            keys = Nd4j.concat(0, gather().exchange(keys).toArray(new INDArray[0]));
        }
        org.deeplearning4j.nn.api.Layer layer = graph.getLayer(lossLayer);
        long ptr = Math.round(layer.getParam(InfoNceLoss.QUEUE_PTR).getDouble(0));
        KeyQueue.enqueue(graph, lossLayer, keys);
        state.writtenAt = ptr;
        state.written = KeyQueue.ringRows(layer.getParam(InfoNceLoss.QUEUE).dup(), ptr, keys.size(0));
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
        return "KeyQueueListener{lossLayer='" + lossLayer + "'" + (inputVertex == null ? "" : ", input='" + inputVertex + "'")
                + (workers > 1 ? ", workers=" + workers : "") + "}";
    }

    /** Builder for {@link KeyQueueListener}. */
    public static final class Builder {
        private String lossLayer = "loss";
        private String inputVertex;
        private int workers = 1;
        private Duration gatherTimeout = Duration.ofMinutes(2);

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
        public Builder inputVertex(String inputVertex) { this.inputVertex = inputVertex; return this; }

        /**
         * @param workers the number of workers that train replicas of the graph side by side and share this
         *                listener (DL4J ParallelWrapper's {@code workers(n)}): every iteration their keys are
         *                exchanged and each replica enqueues all of them (n times the keys of one batch); 1 (the
         *                default) for one graph
         * @return this
         */
        public Builder workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("KeyQueueListener workers must be at least 1, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /**
         * @param timeout how long a worker waits for the other workers' keys before it fails (default 2 minutes)
         * @return this
         */
        public Builder gatherTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("KeyQueueListener gatherTimeout must be positive, got " + timeout);
            }
            this.gatherTimeout = timeout;
            return this;
        }

        /** @return the listener */
        public KeyQueueListener build() { return new KeyQueueListener(this); }
    }
}
