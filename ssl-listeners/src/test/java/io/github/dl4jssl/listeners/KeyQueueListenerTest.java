package io.github.dl4jssl.listeners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.KeyQueue;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/** {@link KeyQueueListener}: FIFO contents, pointer, wrap-around and order of operations inside {@code fit}. */
class KeyQueueListenerTest {

    /** Inputs "a" [2N, 5] -> dense "online" (d = 3); "b" [2N, 3] are the keys as given; merge -> InfoNCE with a queue. */
    static ComputationGraph graph(int queueSize, boolean symmetric) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.DOUBLE)
                .updater(new Adam(1e-2)).weightDecay(1e-2).graphBuilder().addInputs("a", "b")
                .setInputTypes(InputType.feedForward(5), InputType.feedForward(3))
                .addLayer("online", new DenseLayer.Builder().nOut(3).activation(Activation.TANH).build(), "a")
                .addVertex("qk", new MergeVertex(), "online", "b")
                .addLayer("loss", new InfoNceLoss.Builder().temperature(0.2).queueSize(queueSize).batchNegatives(false)
                        .symmetric(symmetric).build(), "qk")
                .setOutputs("loss").build());
        g.init();
        return g;
    }

    static MultiDataSet batch(INDArray a, INDArray keys) {
        return new MultiDataSet(new INDArray[] {a, keys}, new INDArray[] {Nd4j.zeros(DataType.DOUBLE, a.size(0), 1)});
    }

    static INDArray unitRows(INDArray x) {
        return x.div(x.norm2(1).reshape(-1, 1));
    }

    /** Records graph.score() (the loss of the iteration just done) and the queue at iterationDone. */
    private static StepRecorder<INDArray> scoresAndQueues() {
        return new StepRecorder<>(model -> ((ComputationGraph) model).getParam("loss_queue").dup());
    }

    @Test
    void afterTwoIterationsTheQueueHoldsTheLastKeysInOrderWithWrapAround() {
        // MoCo v1/v2 direction: N = 3 keys of view 2 per iteration, K = 5: the second batch wraps around
        ComputationGraph g = graph(5, false);
        g.addListeners(KeyQueueListener.builder().build());
        Nd4j.getRandom().setSeed(7);
        INDArray a1 = Nd4j.randn(DataType.DOUBLE, 6, 5), k1 = Nd4j.randn(DataType.DOUBLE, 6, 3);
        INDArray a2 = Nd4j.randn(DataType.DOUBLE, 6, 5), k2 = Nd4j.randn(DataType.DOUBLE, 6, 3);
        INDArray initial = g.getParam("loss_queue").dup();
        g.fit(batch(a1, k1));
        assertEquals(3.0, g.getParam("loss_queuePtr").getDouble(0));
        g.fit(batch(a2, k2));
        assertEquals(1.0, g.getParam("loss_queuePtr").getDouble(0), "(3 + 3) mod 5");
        INDArray queue = g.getParam("loss_queue").dup();
        INDArray u1 = unitRows(k1), u2 = unitRows(k2);
        // slot 0 <- 3rd key of batch 2 (wrapped), slots 1, 2 <- keys 2, 3 of batch 1, slots 3, 4 <- keys 1, 2 of batch 2
        INDArray[] expected = {u2.getRow(5), u1.getRow(4), u1.getRow(5), u2.getRow(3), u2.getRow(4)};
        for (int i = 0; i < 5; i++) {
            assertTrue(expected[i].equalsWithEps(queue.getRow(i), 1e-12), "slot " + i + ": " + queue.getRow(i));
        }
        assertNotEquals(initial, queue);
    }

    @Test
    void symmetricLossEnqueuesAllTwoNKeys() {
        ComputationGraph g = graph(7, true);
        g.addListeners(KeyQueueListener.builder().lossLayer("loss").inputVertex("qk").build());
        Nd4j.getRandom().setSeed(8);
        INDArray k1 = Nd4j.randn(DataType.DOUBLE, 4, 3), k2 = Nd4j.randn(DataType.DOUBLE, 4, 3);
        g.fit(batch(Nd4j.randn(DataType.DOUBLE, 4, 5), k1));
        g.fit(batch(Nd4j.randn(DataType.DOUBLE, 4, 5), k2));
        assertEquals(1.0, g.getParam("loss_queuePtr").getDouble(0), "(4 + 4) mod 7");
        INDArray queue = g.getParam("loss_queue").dup();
        INDArray u1 = unitRows(k1), u2 = unitRows(k2);
        assertTrue(u2.getRow(3).equalsWithEps(queue.getRow(0), 1e-12));
        for (int i = 0; i < 3; i++) {
            assertTrue(u1.getRow(i + 1).equalsWithEps(queue.getRow(i + 1), 1e-12), "slot " + (i + 1));
            assertTrue(u2.getRow(i).equalsWithEps(queue.getRow(i + 4), 1e-12), "slot " + (i + 4));
        }
    }

    @Test
    void theLossOfIterationTUsesTheQueueBeforeIterationTsKeys() {
        ComputationGraph g = graph(5, false);
        StepRecorder<INDArray> before = scoresAndQueues();
        StepRecorder<INDArray> after = scoresAndQueues();
        // recorders on both sides of the queue listener: iterationDone runs after the score was computed
        g.setListeners(before, KeyQueueListener.builder().build(), after);
        Nd4j.getRandom().setSeed(9);
        for (int t = 0; t < 3; t++) {
            INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 5), k = Nd4j.randn(DataType.DOUBLE, 6, 3);
            INDArray queueBefore = g.getParam("loss_queue").dup();
            // the loss with the old queue, and what it would be had this iteration's keys been enqueued first
            double withOldQueue = g.score(batch(a, k), true);
            ComputationGraph early = g.clone();
            KeyQueue.enqueue(early, "loss", k.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all()));
            double withNewQueue = early.score(batch(a, k), true);
            assertTrue(Math.abs(withOldQueue - withNewQueue) > 1e-4, "the test must be able to tell the two apart");

            g.fit(batch(a, k));
            assertEquals(withOldQueue, before.scores.get(t), 1e-10, "iteration " + t + " used the old queue");
            assertEquals(withOldQueue, after.scores.get(t), 1e-10);
            assertEquals(queueBefore, before.snapshots.get(t), "the queue is unchanged by backprop and the optimizer");
            assertEquals(early.getParam("loss_queue"), after.snapshots.get(t), "keys enqueued at iterationDone");
        }
    }

    @Test
    void misconfigurationsFailWithClearMessages() {
        ComputationGraph noQueue = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("a", "b")
                .setInputTypes(InputType.feedForward(5), InputType.feedForward(3))
                .addLayer("online", new DenseLayer.Builder().nOut(3).build(), "a")
                .addVertex("qk", new MergeVertex(), "online", "b")
                .addLayer("loss", new InfoNceLoss.Builder().build(), "qk").setOutputs("loss").build());
        noQueue.init();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KeyQueueListener.builder().build().validate(noQueue));
        assertTrue(e.getMessage().contains("no queue"), e.getMessage());
        IllegalStateException name = assertThrows(IllegalStateException.class,
                () -> KeyQueueListener.builder().lossLayer("nope").build().validate(graph(5, false)));
        assertTrue(name.getMessage().contains("'nope' is not an InfoNceLoss layer"), name.getMessage());
        IllegalStateException input = assertThrows(IllegalStateException.class,
                () -> KeyQueueListener.builder().inputVertex("online").build().validate(graph(5, false)));
        assertTrue(input.getMessage().contains("does not feed"), input.getMessage());
        assertEquals("qk", KeyQueueListener.builder().build().validate(graph(5, false)));
        // a batch with more keys than the queue fails before the optimizer step
        ComputationGraph small = graph(2, false);
        small.addListeners(KeyQueueListener.builder().build());
        INDArray w = small.getParam("online_W").dup();
        IllegalStateException big = assertThrows(IllegalStateException.class,
                () -> small.fit(batch(Nd4j.randn(DataType.DOUBLE, 6, 5), Nd4j.randn(DataType.DOUBLE, 6, 3))));
        assertTrue(big.getMessage().contains("holds 2 keys, fewer than the 3 keys of one batch"), big.getMessage());
        assertEquals(w, small.getParam("online_W"));
    }
}
