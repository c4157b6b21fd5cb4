package io.github.dl4jssl.samples.bench;

import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BenchRunTest {

    /** The trainable layers' configurations of a run's graph. */
    private static List<BaseLayer> trainable(BenchRun run) {
        List<BaseLayer> layers = new ArrayList<>();
        run.graph().getConfiguration().getVertices().values().forEach(v -> {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer b
                    && b.getIUpdater() != null && run.graph().getLayer(lv.getLayerConf().getLayer().getLayerName()).numParams() > 0) {
                layers.add(b);
            }
        });
        return layers;
    }

    private static boolean hasWeightDecay(BaseLayer b) {
        return b.getRegularization() != null && b.getRegularization().stream().anyMatch(r -> r instanceof WeightDecay);
    }

    @Test
    void peerUpdaterReplacesEveryMethodsOptimizerWithThePeersAdam() {
        BenchRun own = new BenchRun("simsiam", "small-cnn", LayerImplementation.NATIVE, 4, null, false, false);
        BenchRun peer = new BenchRun("simsiam", "small-cnn", LayerImplementation.NATIVE, 4, null, false, true);
        List<BaseLayer> ownLayers = trainable(own);
        List<BaseLayer> peerLayers = trainable(peer);
        assertFalse(ownLayers.isEmpty());
        assertEquals(ownLayers.size(), peerLayers.size());
        for (BaseLayer b : ownLayers) {
            assertInstanceOf(Nesterovs.class, b.getIUpdater(), b.getLayerName() + ": SimSiam's own optimizer");
        }
        assertTrue(ownLayers.stream().anyMatch(BenchRunTest::hasWeightDecay), "SimSiam's own weight decay");
        for (BaseLayer b : peerLayers) {
            IUpdater u = b.getIUpdater();
            assertInstanceOf(Adam.class, u, b.getLayerName());
            assertEquals(1e-3, ((Adam) u).getLearningRate(), 0.0, b.getLayerName());
            assertFalse(hasWeightDecay(b), b.getLayerName() + ": no weight decay, as the peer");
        }
        own.warmUp(1);
        peer.warmUp(1);
        own.timedStep();
        peer.timedStep();
        assertEquals("method default", own.result(Double.NaN).updater());
        assertTrue(peer.result(Double.NaN).updater().startsWith("Adam(1e-3)"), peer.result(Double.NaN).updater());
        own.close();
        peer.close();
    }

    @Test
    void resultRecordsTheWarmUpAndEveryTimedStep() {
        BenchRun run = new BenchRun("simclr", "small-cnn", LayerImplementation.NATIVE, 4, null, false, true);
        run.warmUp(2);
        for (int i = 0; i < 3; i++) {
            run.timedStep();
        }
        BenchResult r = run.result(Double.NaN);
        assertEquals(2, r.warmup());
        assertEquals(3, r.iterations());
        assertEquals(3, r.stepMs().size());
        assertTrue(r.stepMs().stream().allMatch(ms -> ms > 0), r.stepMs().toString());
        double sum = r.stepMs().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(r.msPerIteration() * 3, sum, 1e-6 * sum, "the steps add up to the mean step");
        // more warm-up: counted, and the timed steps start again from zero
        run.warmUp(1);
        run.timedStep();
        BenchResult again = run.result(Double.NaN);
        assertEquals(3, again.warmup());
        assertEquals(1, again.stepMs().size());
        assertEquals(again.msPerIteration(), again.stepMs().get(0), 1e-6 * again.msPerIteration());
        run.close();
    }
}
