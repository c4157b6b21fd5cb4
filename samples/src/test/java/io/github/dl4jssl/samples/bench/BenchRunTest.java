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
}
