package io.github.dl4jssl.listeners;

import io.github.dl4jssl.layers.TestGraphs;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.dl4jssl.listeners.EmaTargetListener.LayerPair;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Exact tests of {@link EmaTargetListener}, the MoCo (He et al. 2020) / BYOL (Grill et al. 2020)
 * momentum target update, on a small double-precision BYOL-like graph.
 */
class EmaTargetListenerTest {

    static final double TOL = 1e-12;
    static final String[] ONLINE = {"backbone_dense", "backbone_bn", "projector_dense"};
    static final String[] TARGET = {"target_backbone_dense", "target_backbone_bn", "target_projector_dense"};

    /**
     * in -> backbone_dense -> backbone_act (no params) -> backbone_bn -> projector_dense -> predictor_dense;
     * target_* mirror of backbone/projector in TrainModeFrozenLayer; loss = MSE(predictor - target_projector).
     */
    static ComputationGraph graph(boolean useLogStd) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder()
                .seed(42).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in");
        for (String p : new String[] {"", "target_"}) {
            boolean t = !p.isEmpty();
            gb.addLayer(p + "backbone_dense", w(t, new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build()), "in");
            gb.addLayer(p + "backbone_act", w(t, new ActivationLayer.Builder().activation(Activation.RELU).build()), p + "backbone_dense");
            gb.addLayer(p + "backbone_bn", w(t, new BatchNormalization.Builder().nOut(3).useLogStd(useLogStd).build()), p + "backbone_act");
            gb.addLayer(p + "projector_dense", w(t, new DenseLayer.Builder().nIn(3).nOut(2).activation(Activation.IDENTITY).build()), p + "backbone_bn");
        }
        gb.addLayer("predictor_dense", new DenseLayer.Builder().nIn(2).nOut(2).activation(Activation.IDENTITY).build(), "projector_dense")
                .addVertex("diff", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "predictor_dense", "target_projector_dense")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "diff")
                .setOutputs("loss");
        return TestGraphs.initialized(gb.build());
    }

    static Layer w(boolean target, Layer l) {
        return target ? new TrainModeFrozenLayer(l) : l;
    }

    static MultiDataSet data() {
        Nd4j.getRandom().setSeed(3);
        return new MultiDataSet(new INDArray[] {Nd4j.rand(DataType.DOUBLE, 6, 4).subi(0.5)},
                new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 6, 2)});
    }

    /** Make every param of every layer (BN statistics included) distinct and non-trivial. */
    static void scramble(ComputationGraph g, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            for (INDArray p : l.paramTable().values()) {
                p.assign(Nd4j.rand(DataType.DOUBLE, p.shape()).subi(0.5));
            }
        }
    }

    static Map<String, double[]> copy(ComputationGraph g, String... layers) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (String l : layers) {
            for (Map.Entry<String, INDArray> e : g.getLayer(l).paramTable().entrySet()) {
                m.put(l + "/" + e.getKey(), e.getValue().dup().data().asDouble());
            }
        }
        return m;
    }

    static String[] allLayerNames(ComputationGraph g) {
        List<String> n = new ArrayList<>();
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            n.add(l.conf().getLayer().getLayerName());
        }
        return n.toArray(new String[0]);
    }

    /** Hand-computed EMA of one value; log10(std) keys average the variance std^2. */
    static double ema(String key, double t, double o, double m) {
        if (key.endsWith("/log10stdev")) {
            return 0.5 * Math.log10(m * Math.pow(10, 2 * t) + (1 - m) * Math.pow(10, 2 * o));
        }
        return m * t + (1 - m) * o;
    }

    static void assertOneStep(boolean useLogStd) {
        ComputationGraph g = graph(useLogStd);
        scramble(g, 11);
        EmaTargetListener ema = EmaTargetListener.builder().scope(EmaScope.encoder()).momentum(0.75).build();
        Map<String, double[]> before = copy(g, allLayerNames(g));
        double m = 0.8;
        ema.step(g, m);
        assertEquals(m, ema.getCurrentMomentum());
        Map<String, double[]> after = copy(g, allLayerNames(g));
        int checked = 0;
        for (int i = 0; i < ONLINE.length; i++) {
            for (String key : g.getLayer(ONLINE[i]).paramTable().keySet()) {
                double[] o = before.get(ONLINE[i] + "/" + key);
                double[] t0 = before.get(TARGET[i] + "/" + key);
                double[] t1 = after.get(TARGET[i] + "/" + key);
                for (int j = 0; j < o.length; j++) {
                    assertEquals(ema(TARGET[i] + "/" + key, t0[j], o[j], m), t1[j], TOL, TARGET[i] + "/" + key + "[" + j + "]");
                    assertNotEquals(t0[j], t1[j], TARGET[i] + "/" + key + " changed");
                    checked++;
                }
            }
        }
        assertEquals(12 + 3 + 4 * 3 + 6 + 2, checked, "W,b of both denses and gamma,beta,mean,var|log10stdev of BN");
        for (Map.Entry<String, double[]> e : before.entrySet()) {
            if (!e.getKey().startsWith("target_")) {
                assertArrayEquals(e.getValue(), after.get(e.getKey()), 0.0, e.getKey() + " (online/unpaired) untouched");
            }
        }
    }

    @Test
    void oneStepIsExactForEveryParamAndLog10StdBnStatistic() {
        ComputationGraph g = graph(true);
        assertTrue(g.getLayer("backbone_bn").paramTable().containsKey("log10stdev"));
        assertOneStep(true);
    }

    @Test
    void oneStepIsExactWithVarianceBnStatistic() {
        ComputationGraph g = graph(false);
        assertTrue(g.getLayer("backbone_bn").paramTable().containsKey("var"));
        assertOneStep(false);
    }

    @Test
    void scopesAndPrefixesSelectTheExpectedPairsAndSkipParameterlessLayers() {
        ComputationGraph g = graph(true);
        assertEquals(List.of(new LayerPair("backbone_dense", "target_backbone_dense"), new LayerPair("backbone_bn", "target_backbone_bn"),
                new LayerPair("projector_dense", "target_projector_dense")),
                EmaTargetListener.builder().scope(EmaScope.encoder()).build().validate(g));
        assertEquals(List.of(new LayerPair("projector_dense", "target_projector_dense")),
                EmaTargetListener.builder().scope(EmaScope.projectorOnly()).build().validate(g));
        assertEquals(List.of(new LayerPair("backbone_dense", "target_backbone_dense"), new LayerPair("backbone_bn", "target_backbone_bn")),
                EmaTargetListener.builder().scope(EmaScope.backboneOnly()).build().validate(g));
        assertEquals(List.of(new LayerPair("backbone_bn", "target_backbone_bn")),
                EmaTargetListener.builder().scope(EmaScope.stages("bn")).build().validate(g));
        assertEquals(List.of(new LayerPair("backbone_dense", "target_backbone_dense"), new LayerPair("projector_dense", "target_projector_dense")),
                EmaTargetListener.builder().scope(EmaScope.encoderExceptStages("bn")).build().validate(g));
        assertEquals(List.of(new LayerPair("backbone_dense", "target_backbone_dense"), new LayerPair("backbone_bn", "target_backbone_bn")),
                EmaTargetListener.builder().prefixes("backbone_", "target_backbone_").build().validate(g));
        assertEquals(List.of(new LayerPair("backbone_dense", "target_backbone_dense")),
                EmaTargetListener.builder().pair("backbone_dense", "target_backbone_dense").pair("backbone_act", "target_backbone_act").build().validate(g));
        assertTrue(EmaScope.encoder().withBackbonePrefix("enc_").withTargetPrefix("momentum_").selects("enc_conv"));
        assertEquals("momentum_enc_conv", EmaScope.encoder().withTargetPrefix("momentum_").targetName("enc_conv"));
    }

    @Test
    void projectorOnlyLeavesBackboneTargetsUntouched() {
        ComputationGraph g = graph(true);
        scramble(g, 5);
        Map<String, double[]> before = copy(g, allLayerNames(g));
        EmaTargetListener.builder().scope(EmaScope.projectorOnly()).build().step(g, 0.5);
        Map<String, double[]> after = copy(g, allLayerNames(g));
        for (String k : before.keySet()) {
            if (k.startsWith("target_projector_dense/")) {
                assertNotEquals(before.get(k)[0], after.get(k)[0], k);
            } else {
                assertArrayEquals(before.get(k), after.get(k), 0.0, k);
            }
        }
    }

    @Test
    void initTargetFromOnlineCopiesOnlineIntoTarget() {
        ComputationGraph g = graph(true);
        scramble(g, 9);
        EmaTargetListener ema = EmaTargetListener.builder().scope(EmaScope.encoder()).build();
        ema.initTargetFromOnline(g);
        for (int i = 0; i < ONLINE.length; i++) {
            assertEquals(g.getLayer(ONLINE[i]).params(), g.getLayer(TARGET[i]).params(), TARGET[i]);
        }
    }

    @Test
    void momentumSchedules() {
        MomentumSchedule c = MomentumSchedule.cosine(0.99, 100);
        assertEquals(0.99, c.momentum(0), 1e-15);
        assertEquals((1 + 0.99) / 2, c.momentum(50), 1e-15);
        assertEquals(1.0, c.momentum(100));
        assertEquals(1.0, c.momentum(1000));
        assertTrue(c.momentum(25) > 0.99 && c.momentum(25) < c.momentum(50));
        assertEquals(0.996, MomentumSchedule.constant(0.996).momentum(12345));
    }

    @Test
    void badMomentumIsRejectedWithAClearMessage() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MomentumSchedule.constant(1.5)).getMessage().contains("[0, 1]"));
        assertThrows(IllegalArgumentException.class, () -> MomentumSchedule.constant(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> MomentumSchedule.cosine(-0.1, 10));
        assertThrows(IllegalArgumentException.class, () -> MomentumSchedule.cosine(0.9, 0));
        assertThrows(IllegalArgumentException.class, () -> EmaTargetListener.builder().momentum(-0.01));
        ComputationGraph g = graph(true);
        EmaTargetListener bad = EmaTargetListener.builder().scope(EmaScope.encoder()).momentum(k -> 2.0).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.iterationDone(g, 0, 0));
        assertTrue(e.getMessage().contains("got 2.0") && e.getMessage().contains("iteration 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bad.step(g, 1.01));
    }

    @Test
    void missingOrMismatchedLayersFailWithAClearMessage() {
        ComputationGraph g = graph(true);
        String msg = assertThrows(IllegalStateException.class,
                () -> EmaTargetListener.builder().pair("backbone_dense", "target_nope").build().validate(g)).getMessage();
        assertTrue(msg.contains("'target_nope'") && msg.contains("does not exist"), msg);
        msg = assertThrows(IllegalStateException.class,
                () -> EmaTargetListener.builder().pair("backbone_dense", "target_projector_dense").build().validate(g)).getMessage();
        assertTrue(msg.contains("shape") && msg.contains("'W'"), msg);
        msg = assertThrows(IllegalStateException.class,
                () -> EmaTargetListener.builder().scope(EmaScope.encoder().withTargetPrefix("ema_")).build().validate(g)).getMessage();
        assertTrue(msg.contains("'ema_backbone_dense'"), msg);
        msg = assertThrows(IllegalStateException.class,
                () -> EmaTargetListener.builder().scope(EmaScope.stages("stage9")).build().validate(g)).getMessage();
        assertTrue(msg.contains("selected no layer"), msg);
        // ... and at the first iteration of fit
        g.setListeners(EmaTargetListener.builder().pair("backbone_dense", "target_nope").build());
        msg = assertThrows(IllegalStateException.class, () -> g.fit(data())).getMessage();
        assertTrue(msg.contains("'target_nope'"), msg);
        assertThrows(IllegalStateException.class, () -> EmaTargetListener.builder().build());
    }

    /** Records online params and DL4J's iteration number after each step (online is never changed by the EMA). */
    static final class Recorder extends BaseTrainingListener {
        final List<Map<String, double[]>> online = new ArrayList<>();
        final List<Integer> iterations = new ArrayList<>();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            online.add(copy((ComputationGraph) model, ONLINE));
            iterations.add(iteration);
        }
    }

    @Test
    void fitWithListenerMatchesHandComputedEma() {
        ComputationGraph g = graph(true);
        MomentumSchedule schedule = MomentumSchedule.cosine(0.5, 4);
        EmaTargetListener ema = EmaTargetListener.builder().scope(EmaScope.encoder()).momentum(schedule).build();
        ema.initTargetFromOnline(g);
        Map<String, double[]> target = copy(g, TARGET);
        Recorder rec = new Recorder();
        g.setListeners(rec, ema);
        MultiDataSet d = data();
        int steps = 3;
        for (int s = 0; s < steps; s++) {
            g.fit(d);
        }
        assertEquals(List.of(0, 1, 2), rec.iterations);
        for (int s = 0; s < steps; s++) {
            double m = schedule.momentum(s);
            Map<String, double[]> next = new LinkedHashMap<>();
            for (int i = 0; i < ONLINE.length; i++) {
                for (String key : g.getLayer(ONLINE[i]).paramTable().keySet()) {
                    double[] t = target.get(TARGET[i] + "/" + key);
                    double[] o = rec.online.get(s).get(ONLINE[i] + "/" + key);
                    double[] n = new double[t.length];
                    for (int j = 0; j < t.length; j++) {
                        n[j] = ema(TARGET[i] + "/" + key, t[j], o[j], m);
                    }
                    next.put(TARGET[i] + "/" + key, n);
                }
            }
            target = next;
        }
        Map<String, double[]> actual = copy(g, TARGET);
        for (String k : target.keySet()) {
            assertArrayEquals(target.get(k), actual.get(k), 1e-10, k);
        }
        // the online branch did train, and the target actually moved towards it
        assertNotEquals(rec.online.get(0).get("backbone_dense/W")[0], rec.online.get(2).get("backbone_dense/W")[0]);
        assertEquals(schedule.momentum(2), ema.getCurrentMomentum(), 0.0);
    }
}
