package io.github.dl4jssl.listeners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.dl4jssl.layers.InfoNceLoss;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link KeyQueueListener} shared by several replicas trained side by side (as DL4J's ParallelWrapper does):
 * per-graph state, the key exchange of {@code workers(n)}, and the detection of a queue rewritten by parameter
 * averaging. The ParallelWrapper run itself is in ssl-zoo's ParallelWrapperMocoTest.
 */
class KeyQueueListenerWorkersTest {

    private static final int N = 3;   // pairs per batch: 3 keys per worker per iteration (rows N..2N-1)

    @Test
    void twoReplicasOnTwoThreadsEnqueueEachWorkersKeysOnceInTheSameOrder() throws Exception {
        ComputationGraph g0 = KeyQueueListenerTest.graph(12, false);
        ComputationGraph g1 = g0.clone();
        KeyQueueListener listener = KeyQueueListener.builder().workers(2).gatherTimeout(Duration.ofSeconds(60)).build();
        g0.setListeners(listener);
        g1.setListeners(listener);
        Nd4j.getRandom().setSeed(5);
        INDArray[] keys = {Nd4j.randn(DataType.DOUBLE, 2 * N, 3), Nd4j.randn(DataType.DOUBLE, 2 * N, 3)};
        INDArray[] a = {Nd4j.randn(DataType.DOUBLE, 2 * N, 5), Nd4j.randn(DataType.DOUBLE, 2 * N, 5)};

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> f0 = pool.submit(() -> g0.fit(KeyQueueListenerTest.batch(a[0], keys[0])));
            Future<?> f1 = pool.submit(() -> g1.fit(KeyQueueListenerTest.batch(a[1], keys[1])));
            f0.get();
            f1.get();
        } finally {
            pool.shutdownNow();
        }
        INDArray q0 = g0.getLayer("loss").getParam(InfoNceLoss.QUEUE).dup();
        INDArray q1 = g1.getLayer("loss").getParam(InfoNceLoss.QUEUE).dup();
        assertEquals(q0, q1, "both replicas enqueued the same keys in the same order: averaging leaves the queue as it is");
        assertEquals(2 * N, g0.getLayer("loss").getParam(InfoNceLoss.QUEUE_PTR).getInt(0), "2 workers x 3 keys enqueued");
        assertEquals(2 * N, g1.getLayer("loss").getParam(InfoNceLoss.QUEUE_PTR).getInt(0));

        // the 6 new rows are worker 0's and worker 1's view-2 keys (L2-normalised), each once, one block after the other
        INDArray k0 = KeyQueueListenerTest.unitRows(keys[0].get(NDArrayIndex.interval(N, 2 * N), NDArrayIndex.all()));
        INDArray k1 = KeyQueueListenerTest.unitRows(keys[1].get(NDArrayIndex.interval(N, 2 * N), NDArrayIndex.all()));
        INDArray first = q0.get(NDArrayIndex.interval(0, N), NDArrayIndex.all());
        INDArray second = q0.get(NDArrayIndex.interval(N, 2 * N), NDArrayIndex.all());
        boolean order01 = first.equalsWithEps(k0, 1e-10) && second.equalsWithEps(k1, 1e-10);
        boolean order10 = first.equalsWithEps(k1, 1e-10) && second.equalsWithEps(k0, 1e-10);
        assertTrue(order01 || order10, "queue rows 0..5 are the two workers' keys, each once:\n" + q0);
    }

    @Test
    void aRoundWithAMissingWorkerFailsWithAMessageInsteadOfHanging() {
        ComputationGraph g = KeyQueueListenerTest.graph(12, false);
        g.setListeners(KeyQueueListener.builder().workers(2).gatherTimeout(Duration.ofMillis(200)).build());
        Nd4j.getRandom().setSeed(6);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.fit(randomBatch()));
        assertTrue(e.getMessage().contains("only 1 of the 2 workers") && e.getMessage().contains("multiple of 2"), e.getMessage());
    }

    /** A random batch of N pairs for the graph of {@link KeyQueueListenerTest#graph}. */
    private static org.nd4j.linalg.dataset.MultiDataSet randomBatch() {
        return KeyQueueListenerTest.batch(Nd4j.randn(DataType.DOUBLE, 2 * N, 5), Nd4j.randn(DataType.DOUBLE, 2 * N, 3));
    }

    /** Trains {@code iterations} batches with a plain KeyQueueListener, rewrites the queue, returns the next fit's error. */
    private static IllegalStateException nextFitAfterRewriteFails(int iterations, java.util.function.Consumer<INDArray> rewrite) {
        ComputationGraph g = KeyQueueListenerTest.graph(12, false);
        g.setListeners(KeyQueueListener.builder().build());
        Nd4j.getRandom().setSeed(7);
        for (int i = 0; i < iterations; i++) {
            g.fit(randomBatch());
        }
        INDArray queue = g.getLayer("loss").getParam(InfoNceLoss.QUEUE);
        INDArray changed = queue.dup();
        rewrite.accept(changed);
        queue.assign(changed);
        return assertThrows(IllegalStateException.class, () -> g.fit(randomBatch()));
    }

    @Test
    void aQueueRewrittenBetweenIterationsIsDetected() {
        // what averaging with a replica that enqueued other keys into the same slots does
        IllegalStateException e = nextFitAfterRewriteFails(2, q -> q.get(NDArrayIndex.interval(N, 2 * N), NDArrayIndex.all())
                .addi(Nd4j.randn(DataType.DOUBLE, N, 3)).muli(0.5));
        assertTrue(e.getMessage().contains("queue row ") && e.getMessage().contains("instead of 1") && e.getMessage().contains("workers(n)"), e.getMessage());
    }

    @Test
    void anEnqueuedKeyReplacedByAnotherUnitKeyIsDetected() {
        IllegalStateException e = nextFitAfterRewriteFails(1,
                q -> q.putRow(1, KeyQueueListenerTest.unitRows(Nd4j.randn(DataType.DOUBLE, 1, 3))));
        assertTrue(e.getMessage().contains("queue row 1 is not the key enqueued there"), e.getMessage());
    }

    @Test
    void aSerializedCopyWorksOnItsOwn() throws Exception {
        // DL4J on Spark ships listeners to the executors with Java serialization
        KeyQueueListener original = KeyQueueListener.builder().lossLayer("loss").build();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(original);
        }
        KeyQueueListener copy;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (KeyQueueListener) in.readObject();
        }
        ComputationGraph g = KeyQueueListenerTest.graph(12, false);
        g.setListeners(copy);
        Nd4j.getRandom().setSeed(9);
        INDArray keys = Nd4j.randn(DataType.DOUBLE, 2 * N, 3);
        g.fit(KeyQueueListenerTest.batch(Nd4j.randn(DataType.DOUBLE, 2 * N, 5), keys));
        INDArray expected = KeyQueueListenerTest.unitRows(keys.get(NDArrayIndex.interval(N, 2 * N), NDArrayIndex.all()));
        assertTrue(g.getLayer("loss").getParam(InfoNceLoss.QUEUE).dup().get(NDArrayIndex.interval(0, N), NDArrayIndex.all())
                .equalsWithEps(expected, 1e-10), "the deserialized listener enqueues");
    }

    @Test
    void workersMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyQueueListener.builder().workers(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyQueueListener.builder().gatherTimeout(Duration.ZERO));
    }
}
