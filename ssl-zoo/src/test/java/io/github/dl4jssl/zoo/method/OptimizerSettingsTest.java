package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.optim.Lars;
import io.github.dl4jssl.layers.optim.LarsTrustRatio;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.backbone.VitTiny;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.util.List;
import java.util.Map;

import static io.github.dl4jssl.zoo.method.MethodTestSupport.layerOf;
import static org.junit.jupiter.api.Assertions.*;

/** The methods' optimizer settings: LARS wiring, weight decay listed once, warm-up + cosine for any optimizer. */
class OptimizerSettingsTest {

    private static final Backbone SMALL = new SmallCnn(12, 12, 1, LayerImplementation.NATIVE, 0.25);

    /** Counts, over all parameters, the trust ratios and weight decays; checks biases, BN and frozen layers have none. */
    private static int[] count(ComputationGraphConfiguration conf) {
        int trust = 0;
        int decay = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            Layer layer = lv.getLayerConf().getLayer();
            for (String key : layer.initializer().paramKeys(layer)) {
                List<Regularization> regs = layer.getRegularizationByParam(key);
                if (regs == null) {
                    continue;
                }
                boolean excluded = layer.initializer().isBiasParam(layer, key) || layer instanceof BatchNormalization
                        || layer instanceof FrozenLayer;
                for (Regularization r : regs) {
                    assertFalse(excluded, e.getKey() + "/" + key + " (bias, BN or frozen) has " + r);
                    if (r instanceof LarsTrustRatio) trust++;
                    if (r instanceof WeightDecay) decay++;
                }
                assertTrue(regs.size() <= 1, e.getKey() + "/" + key + ": " + regs);
            }
        }
        return new int[] {trust, decay};
    }

    private static IUpdater updaterOf(ComputationGraph g, String layer, String param) {
        return g.getLayer(layer).conf().getLayer().getUpdaterByParam(param);
    }

    @Test
    void everyMethodListsItsWeightDecayOncePerWeight() {
        for (String name : SslMethods.NAMES) {
            int[] n = count(SslMethods.create(name, SMALL, new SslMethods.Options(null, null, 64, 8, 3)).configuration());
            assertEquals(0, n[0], name);
            assertTrue(n[1] > 0, name + " has weight decay");
        }
    }

    @Test
    void larsTakesTheMethodsWeightDecayIntoItsTrustRatioOnWeightsOnly() throws Exception {
        for (String name : List.of("simclr", "byol", "mocov2")) {
            SslMethod m = SslMethods.create(name, SMALL, new SslMethods.Options(new Lars(), null, 64, 8, 3));
            ComputationGraphConfiguration conf = m.configuration();
            int[] n = count(conf);
            assertTrue(n[0] >= 4, name + ": trust ratio on conv and dense weights, got " + n[0]);
            assertEquals(0, n[1], name + ": no DL4J weight decay next to LARS's");
            assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        }
        SimClr simclr = new SimClr.Builder().backbone(SMALL).updater(new Lars()).weightDecay(1e-5).build();
        ComputationGraph g = simclr.init();
        Lars lars = (Lars) updaterOf(g, "backbone_conv1", "W");
        assertEquals(1e-5, lars.getWeightDecay());
        assertEquals(List.of(lars.trustRatio()), g.getLayer("backbone_conv1").conf().getLayer().getRegularizationByParam("W"));
        TwoViewIterator it = MethodTestSupport.augmented(8);
        g.fit(it.next());
        assertTrue(Double.isFinite(g.score()));
    }

    @Test
    void larsOnAVitAdaptsWeightsButNotLayerNormsOrBiases() {
        Backbone vit = VitTiny.builder(12, 12, 1).embedDim(8).depth(1).heads(2).mlpRatio(2).build();
        // the SameDiff layers know their parameters after init
        ComputationGraphConfiguration conf = new MocoV3.Builder().backbone(vit).updater(new Lars()).build().init().getConfiguration();
        Layer block = layerOf(conf, "backbone_block0");
        assertTrue(block.getRegularizationByParam("Wq").get(0) instanceof LarsTrustRatio);
        for (String key : block.initializer().biasKeys(block)) {
            assertTrue(block.getRegularizationByParam(key).isEmpty(), key);
        }
        count(conf);
    }

    @Test
    void aLarsWeightDecayThatDisagreesWithTheMethodsIsAnError() {
        Lars decaying = Lars.builder().weightDecay(1e-4).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SimClr.Builder().backbone(SMALL).updater(decaying).build());
        assertTrue(e.getMessage().contains("weightDecay(...)"), e.getMessage());
        SimClr agreed = new SimClr.Builder().backbone(SMALL).updater(decaying).weightDecay(1e-4).build();
        assertEquals(1, count(agreed.configuration())[0] > 0 ? 1 : 0);
    }

    @Test
    void warmupCosineWorksWithEveryOptimizerPeakingAtItsLearningRate() {
        for (IUpdater u : List.of(new Adam(2e-3), new Nesterovs(0.05, 0.9), Lars.builder().learningRate(0.3).build())) {
            ComputationGraph g = new SimClr.Builder().backbone(SMALL).updater(u).warmupCosine(4, 20).build().init();
            IUpdater scheduled = updaterOf(g, "backbone_conv1", "W");
            assertEquals(u.getClass(), scheduled.getClass());
            double peak = u.getLearningRate(0, 0);
            WarmupCosineSchedule expected = new WarmupCosineSchedule(peak, 4, 20);
            for (int i : new int[] {0, 2, 3, 4, 12, 19, 20}) {
                assertEquals(expected.valueAt(i, 0), scheduled.getLearningRate(i, 0), 1e-15, u + " at " + i);
            }
            assertEquals(peak / 4, scheduled.getLearningRate(0, 0), 1e-15);
            assertEquals(peak, u.getLearningRate(10, 0), "the given updater is not modified");
        }
        // the method's own optimizer (MoCo v2: SGD 0.03 with Nesterov momentum)
        ComputationGraph moco = SslMethods.create("mocov2", SMALL, new SslMethods.Options(null, null, 64, 8, 3, null, null,
                new SslMethods.WarmupCosine(2, 10))).init();
        assertEquals(0.03 / 2, updaterOf(moco, "backbone_conv1", "W").getLearningRate(0, 0), 1e-15);
        assertEquals(0.0, updaterOf(moco, "backbone_conv1", "W").getLearningRate(10, 0));
    }

    @Test
    void warmupCosineOnAnAlreadyScheduledOptimizerIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SimClr.Builder().backbone(SMALL)
                .updater(MocoV3.vitAdam(1e-3, 2, 10)).warmupCosine(2, 10).build());
        assertTrue(e.getMessage().contains("constant positive learning rate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SslMethods.WarmupCosine(10, 10));
        assertThrows(IllegalArgumentException.class, () -> new SimClr.Builder().warmupCosine(-1, 10));
    }
}
