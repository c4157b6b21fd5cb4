package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * MoCo's dequeue-and-enqueue (He et al. 2020, Algorithm 1) on the queue parameters of an
 * {@link InfoNceLoss} layer: the newest keys overwrite the oldest, FIFO, at the position stored in the
 * layer's {@value InfoNceLoss#QUEUE_PTR} parameter, wrapping around the end of the queue. Meant to be called
 * by a listener after each iteration (after the optimizer step), outside the gradient computation.
 */
public final class KeyQueue {

    private KeyQueue() {
    }

    /**
     * Writes the L2-normalised rows of {@code keys} [B, d] into {@code queue} [K, d] starting at row
     * {@code ptr}, wrapping around, and advances {@code ptr} [1, 1] to {@code (ptr + B) mod K}. Both arrays
     * are changed in place (pass the layer's parameter arrays, which are views of the network's parameters).
     *
     * @throws IllegalArgumentException if the shapes do not match or B &gt; K (a batch would overwrite its own keys)
     */
    public static void enqueue(INDArray queue, INDArray ptr, INDArray keys) {
        if (queue == null || ptr == null) {
            throw new IllegalArgumentException("KeyQueue.enqueue: no queue (is queueSize > 0 in the InfoNceLoss?)");
        }
        if (queue.rank() != 2 || keys.rank() != 2 || keys.size(1) != queue.size(1)) {
            throw new IllegalArgumentException("KeyQueue.enqueue: keys of shape " + Arrays.toString(keys.shape())
                    + " do not fit a queue of shape " + Arrays.toString(queue.shape()) + " (expected [B, "
                    + queue.size(1) + "])");
        }
        long k = queue.size(0);
        long b = keys.size(0);
        if (b > k) {
            throw new IllegalArgumentException("KeyQueue.enqueue: the queue holds " + k + " keys, fewer than the "
                    + b + " keys of one batch; set InfoNceLoss queueSize to at least the number of keys enqueued "
                    + "per iteration (MoCo uses a multiple of the batch size)");
        }
        if (ptr.length() != 1) {
            throw new IllegalArgumentException("KeyQueue.enqueue: the pointer must have one element, got shape "
                    + Arrays.toString(ptr.shape()));
        }
        long p = Math.round(ptr.getDouble(0));
        if (p < 0 || p >= k) {
            throw new IllegalStateException("KeyQueue.enqueue: queue pointer " + ptr.getDouble(0) + " is outside [0, " + k + ")");
        }
        INDArray normalized = keys.castTo(queue.dataType()).dup();
        normalized.diviColumnVector(org.nd4j.linalg.ops.transforms.Transforms.max(normalized.norm2(1).reshape(-1, 1), ContrastiveOps.NORM_EPS, false));
        // Written into a copy, then assigned whole: in ND4J 1.0.0-M2.1, sub-views (get(interval), getRow,
        // putRow) of a parameter array that is itself a view at an offset of the network's flat parameter
        // vector count that offset twice and come out empty or wrong. O(K d) per call.
        INDArray updated = queue.dup();
        putRingRows(updated, p, normalized);
        queue.assign(updated);
        ptr.assign((p + b) % k);
    }

    /** {@link #enqueue(INDArray, INDArray, INDArray)} on the queue of the InfoNCE layer {@code lossLayer} of a graph. */
    public static void enqueue(ComputationGraph graph, String lossLayer, INDArray keys) {
        Layer layer = infoNceLayer(graph, lossLayer);
        enqueue(layer.getParam(InfoNceLoss.QUEUE), layer.getParam(InfoNceLoss.QUEUE_PTR), keys);
    }

    /**
     * Enqueues the keys of a loss input {@code merge(q, k)} [2N, 2d]: all 2N keys if the layer is symmetric,
     * else the N positive keys of the view-1 queries (rows N..2N-1), as in MoCo v1/v2.
     */
    public static void enqueueFromLossInput(ComputationGraph graph, String lossLayer, INDArray lossInput) {
        InfoNceLoss conf = (InfoNceLoss) ((LayerVertex) graph.getConfiguration().getVertices().get(lossLayer))
                .getLayerConf().getLayer();
        enqueue(graph, lossLayer, keysOf(conf, lossInput));
    }

    /**
     * The keys of a loss input {@code merge(q, k)} [2N, 2d] that the layer {@code conf} enqueues: all 2N key
     * rows if it is symmetric, else rows N..2N-1; a new [B, d] array.
     */
    public static INDArray keysOf(InfoNceLoss conf, INDArray lossInput) {
        long d = lossInput.size(1) / 2;
        long rows = lossInput.size(0);
        return lossInput.dup().get(conf.isSymmetric() ? NDArrayIndex.all() : NDArrayIndex.interval(rows / 2, rows),
                NDArrayIndex.interval(d, 2 * d)).dup();
    }

    /**
     * Rows {@code [start, start + n)} of a ring buffer {@code ring} [K, d], indices taken modulo K, as a new [n, d]
     * array: one block copy, or two where the range wraps around. {@code ring} must be an array of its own, not a
     * view at an offset of another one (see {@link #enqueue(INDArray, INDArray, INDArray)}): pass a {@code dup()} of a
     * parameter. A row-by-row copy of MoCo's 256 keys cost about 10 ms per call (a few hundred small ND4J calls).
     */
    public static INDArray ringRows(INDArray ring, long start, long n) {
        INDArray out = Nd4j.create(ring.dataType(), n, ring.size(1));
        copyRing(ring, start, out, false);
        return out;
    }

    /**
     * Writes {@code rows} [n, d] into rows {@code [start, start + n)} of a ring buffer {@code ring} [K, d], indices
     * modulo K: one or two block copies. {@code ring} must be an array of its own, as for {@link #ringRows}.
     */
    public static void putRingRows(INDArray ring, long start, INDArray rows) {
        copyRing(ring, start, rows, true);
    }

    /** Copies rows [start, start + n) of the ring (modulo K) to {@code rows} [n, d], or back when {@code intoRing}. */
    private static void copyRing(INDArray ring, long start, INDArray rows, boolean intoRing) {
        long k = ring.size(0);
        long n = rows.size(0);
        checkRing(k, start, n);
        long first = Math.min(n, k - start);
        copyBlock(block(ring, start, first), block(rows, 0, first), intoRing);
        if (first < n) {
            copyBlock(block(ring, 0, n - first), block(rows, first, n - first), intoRing);
        }
    }

    private static void copyBlock(INDArray ringBlock, INDArray rowsBlock, boolean intoRing) {
        if (intoRing) {
            ringBlock.assign(rowsBlock);
        } else {
            rowsBlock.assign(ringBlock);
        }
    }

    private static void checkRing(long k, long start, long n) {
        if (start < 0 || start >= k || n < 0 || n > k) {
            throw new IllegalArgumentException("KeyQueue: rows [" + start + ", " + start + " + " + n
                    + ") do not fit a ring of " + k + " rows");
        }
    }

    /** Rows [from, from + count) of a c-order matrix as a view; one row through getRow (see the README's pitfalls). */
    private static INDArray block(INDArray a, long from, long count) {
        return count == 1 ? a.getRow(from, true)
                : a.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all());
    }

    private static Layer infoNceLayer(ComputationGraph graph, String lossLayer) {
        Layer layer = graph.getLayer(lossLayer);
        if (layer == null || !(layer.conf().getLayer() instanceof InfoNceLoss)) {
            throw new IllegalArgumentException("KeyQueue: '" + lossLayer + "' is not an InfoNceLoss layer of the graph");
        }
        if (((InfoNceLoss) layer.conf().getLayer()).getQueueSize() <= 0) {
            throw new IllegalArgumentException("KeyQueue: InfoNceLoss layer '" + lossLayer + "' has no queue (queueSize 0)");
        }
        return layer;
    }
}
