package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.listeners.KeyQueueListener;
import io.github.dl4jssl.listeners.SyncedReplicasTrainerContext;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * MoCo v2 (EMA key encoder and key queue) trained by DL4J's ParallelWrapper with 2 workers on CPU, parameter
 * averaging after every round (its default). ParallelWrapper calls the same listener instances from both worker
 * threads, each with its own replica, and averages all parameters of the replicas: online weights, the frozen
 * key encoder and the InfoNCE queue alike. The workers start each fit together ({@link SyncedReplicasTrainerContext}).
 * Checked after every round, on the averaged model: the key encoder is
 * the EMA of the averaged online weights, and the queue holds each worker's keys once.
 */
class ParallelWrapperMocoTest {

    private static final double M = 0.9;
    private static final int PAIRS = 4;

    private static MocoV2 moco() {
        return new MocoV2.Builder().backbone(new SmallCnn(12, 12, 1)).queueSize(32).hiddenSize(32).outputSize(16)
                .updater(new Adam(3e-3)).momentum(M).seed(5).build();
    }

    /** 6 batches of 4 pairs (8 stacked rows). */
    private static List<DataSet> batches() {
        List<DataSet> out = new ArrayList<>();
        var it = MethodTestSupport.augmented(PAIRS);
        while (out.size() < 6 && it.hasNext()) {
            out.add(it.next());
        }
        assertEquals(6, out.size());
        return out;
    }

    /** The L2-normalised keys (view-2 rows of the key half of "qk") each replica computed, per replica. */
    static final class KeyRecorder extends BaseTrainingListener {
        final Map<Model, INDArray> keys = Collections.synchronizedMap(new IdentityHashMap<>());

        @Override
        public void onForwardPass(Model model, Map<String, INDArray> activations) {
            INDArray qk = activations.get(MocoV1V2.QUERY_KEY_MERGE);
            long d = qk.size(1) / 2;
            INDArray k = qk.get(NDArrayIndex.interval(PAIRS, 2 * PAIRS), NDArrayIndex.interval(d, 2 * d)).dup();
            keys.put(model, k.div(k.norm2(1).reshape(-1, 1)));
        }
    }

    private static ParallelWrapper twoWorkers(ComputationGraph graph, List<TrainingListener> listeners) {
        // without it, worker 1 sometimes copies the model after worker 0's first step (DL4J 1.0.0-M2.1)
        ParallelWrapper pw = SyncedReplicasTrainerContext.installIn(new ParallelWrapper.Builder<>(graph).workers(2)
                .averagingFrequency(1).prefetchBuffer(2).build());
        pw.setListeners(listeners);
        return pw;
    }

    @Test
    void theKeyEncoderIsTheEmaOfTheAveragedOnlineWeightsAndTheQueueHoldsEachWorkersKeysOnce() {
        MocoV2 moco = moco();
        ComputationGraph graph = moco.init();
        TrainingListener ema = moco.trainingListeners(6).get(0);
        KeyRecorder recorder = new KeyRecorder();
        ParallelWrapper pw = twoWorkers(graph, List.of(ema,
                KeyQueueListener.builder().workers(2).gatherTimeout(Duration.ofSeconds(60)).build(), recorder));
        List<DataSet> data = batches();
        try {
            for (int round = 0; round < 3; round++) {
                Map<String, INDArray> targetBefore = MethodTestSupport.params(graph, SslMethod.TARGET_PREFIX);
                Map<String, INDArray> onlineBefore = MethodTestSupport.params(graph, SslMethod.BACKBONE_PREFIX);
                int ptr = graph.getLayer(SslMethod.LOSS).getParam(InfoNceLoss.QUEUE_PTR).getInt(0);
                recorder.keys.clear();

                pw.fit(new ExistingDataSetIterator(data.subList(2 * round, 2 * round + 2)));

                // ParallelWrapper's worker 0 trains the root graph; after averaging it holds the averaged parameters
                MethodTestSupport.assertOnlineMoved(onlineBefore, graph);
                assertEmaOfAveragedOnline(graph, targetBefore);

                assertEquals(2, recorder.keys.size(), "two replicas computed keys in round " + round);
                List<INDArray> perWorker = new ArrayList<>(recorder.keys.values());
                assertFalse(perWorker.get(0).equalsWithEps(perWorker.get(1), 1e-3), "the workers saw different batches");
                INDArray queue = graph.getLayer(SslMethod.LOSS).getParam(InfoNceLoss.QUEUE).dup();
                INDArray first = rows(queue, ptr), second = rows(queue, ptr + PAIRS);
                boolean order01 = first.equalsWithEps(perWorker.get(0), 1e-5) && second.equalsWithEps(perWorker.get(1), 1e-5);
                boolean order10 = first.equalsWithEps(perWorker.get(1), 1e-5) && second.equalsWithEps(perWorker.get(0), 1e-5);
                assertTrue(order01 || order10, "round " + round + ": the 8 new queue rows are the 2 workers' 4 keys each, once");
                assertEquals((ptr + 2 * PAIRS) % 32, graph.getLayer(SslMethod.LOSS).getParam(InfoNceLoss.QUEUE_PTR).getInt(0));
            }
        } finally {
            pw.shutdown();
        }
    }

    @Test
    void aPlainKeyQueueListenerUnderParallelWrapperFailsWithAMessage() {
        MocoV2 moco = moco();
        ComputationGraph graph = moco.init();
        // MoCo's own listeners: a KeyQueueListener for one graph; the two replicas enqueue different keys into the
        // same slots and averaging mixes them, which the listener sees at the next forward pass
        ParallelWrapper pw = twoWorkers(graph, moco.trainingListeners(6));
        RuntimeException e = assertThrows(RuntimeException.class, () -> pw.fit(new ExistingDataSetIterator(batches())));
        Throwable cause = e;
        while (cause != null && !(cause instanceof IllegalStateException && cause.getMessage() != null
                && cause.getMessage().startsWith("KeyQueueListener"))) {
            cause = cause.getCause();
        }
        assertNotNull(cause, "expected KeyQueueListener's message, got " + e);
        assertTrue(cause.getMessage().contains("workers(n)") && cause.getMessage().contains("averag"), cause.getMessage());
    }

    private static INDArray rows(INDArray queue, int from) {
        long k = queue.size(0);
        INDArray out = Nd4j.create(queue.dataType(), PAIRS, queue.size(1));
        for (int i = 0; i < PAIRS; i++) {
            out.putRow(i, queue.getRow((from + i) % k));
        }
        return out;
    }

    /**
     * target == M * targetBefore + (1 - M) * online for every target parameter, the online parameters being the
     * averaged ones. Exact by linearity: each replica computed M t + (1 - M) o_i, and the mean of those is
     * M t + (1 - M) mean(o_i). Except BatchNorm's log10(std), which the EMA averages as a variance and
     * ParallelWrapper averages as a logarithm: close, not equal (checked to 1e-2).
     */
    private static void assertEmaOfAveragedOnline(ComputationGraph g, Map<String, INDArray> targetBefore) {
        Map<String, INDArray> after = MethodTestSupport.params(g, SslMethod.TARGET_PREFIX);
        for (Map.Entry<String, INDArray> e : targetBefore.entrySet()) {
            String[] lk = e.getKey().split("/");
            double[] t = MethodTestSupport.values(e.getValue());
            double[] o = MethodTestSupport.values(g.getLayer(lk[0].substring(SslMethod.TARGET_PREFIX.length())).paramTable().get(lk[1]));
            double[] actual = MethodTestSupport.values(after.get(e.getKey()));
            boolean logStd = BatchNormalizationParamInitializer.GLOBAL_LOG_STD.equals(lk[1]);
            for (int j = 0; j < t.length; j++) {
                double expected = M * t[j] + (1 - M) * o[j];
                assertEquals(expected, actual[j], logStd ? 1e-2 : 1e-5, e.getKey() + "[" + j + "]");
            }
        }
    }
}
