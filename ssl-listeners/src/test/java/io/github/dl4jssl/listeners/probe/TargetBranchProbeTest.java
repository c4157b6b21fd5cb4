package io.github.dl4jssl.listeners.probe;

import io.github.dl4jssl.layers.TestGraphs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.exception.ND4JIllegalStateException;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Probes (and regression tests) of how DL4J 1.0.0-M2.1 can hold a momentum target branch (MoCo, He et
 * al. 2020; BYOL, Grill et al. 2020) in one ComputationGraph: online in -> online_dense1 ->
 * [online_bn] -> online_dense2, target in -> target_dense1 -> [target_bn] -> target_dense2, loss =
 * MSE(online_dense2 - target_dense2, 0). Each test asserts what DL4J actually does; findings are in
 * ssl-listeners/DESIGN-momentum.md.
 */
class TargetBranchProbeTest {

    /** How the target layers are configured. */
    enum Variant { PLAIN, FROZEN, FROZEN_WITH_BACKPROP, NOOP_UPDATER, ZERO_LR, TRAIN_MODE_FROZEN }

    static final String[] TARGET_LAYERS = {"target_dense1", "target_dense2"};

    @BeforeEach
    void reset() {
        CountingActivation.reset();
    }

    static Layer wrap(Variant v, Layer l) {
        switch (v) {
            case FROZEN: return new FrozenLayer(l);
            case FROZEN_WITH_BACKPROP: return new FrozenLayerWithBackprop(l);
            case TRAIN_MODE_FROZEN: return new TrainModeFrozenLayer(l);
            default: return l;
        }
    }

    static DenseLayer.Builder dense(Variant v, int nIn, int nOut, String counterKey) {
        DenseLayer.Builder b = new DenseLayer.Builder().nIn(nIn).nOut(nOut)
                .activation(counterKey == null ? Activation.IDENTITY.getActivationFunction() : new CountingActivation(counterKey));
        if (v == Variant.NOOP_UPDATER) {
            b.updater(new NoOp());
        } else if (v == Variant.ZERO_LR) {
            b.updater(new Sgd(0.0));
        }
        return b;
    }

    static ComputationGraph graph(Variant v, boolean withBn) {
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder()
                .seed(12345).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("online_dense1", dense(Variant.PLAIN, 4, 3, "online").build(), "in");
        String onlineLast = "online_dense1";
        if (withBn) {
            gb.addLayer("online_bn", new BatchNormalization.Builder().nOut(3).build(), "online_dense1");
            onlineLast = "online_bn";
        }
        gb.addLayer("online_dense2", dense(Variant.PLAIN, 3, 2, null).build(), onlineLast);
        gb.addLayer("target_dense1", wrap(v, dense(v, 4, 3, "target").build()), "in");
        String targetLast = "target_dense1";
        if (withBn) {
            BatchNormalization.Builder bn = new BatchNormalization.Builder().nOut(3);
            if (v == Variant.ZERO_LR) {
                bn.updater(new Sgd(0.0));
            }
            gb.addLayer("target_bn", wrap(v, bn.build()), "target_dense1");
            targetLast = "target_bn";
        }
        gb.addLayer("target_dense2", wrap(v, dense(v, 3, 2, null).build()), targetLast)
                .addVertex("diff", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "online_dense2", "target_dense2")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "diff")
                .setOutputs("loss");
        return TestGraphs.initialized(gb.build());
    }

    /** Features with mean ~5 so that batch-mode and inference-mode BatchNorm differ visibly. */
    static MultiDataSet data() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 4).addi(5.0);
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 8, 2)});
    }

    static Map<String, INDArray> snapshot(ComputationGraph g, String... layers) {
        Map<String, INDArray> m = new HashMap<>();
        for (String l : layers) {
            for (Map.Entry<String, INDArray> e : g.getLayer(l).paramTable().entrySet()) {
                m.put(l + "/" + e.getKey(), e.getValue().dup());
            }
        }
        return m;
    }

    static boolean sameParams(ComputationGraph g, Map<String, INDArray> before, String... layers) {
        Map<String, INDArray> now = snapshot(g, layers);
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            if (!e.getValue().equals(now.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static void fit(ComputationGraph g, int steps) {
        MultiDataSet d = data();
        for (int i = 0; i < steps; i++) {
            g.fit(d);
        }
    }

    /** What two fit steps of a variant's graph did: target kept, online trained, forward/backward passes counted. */
    record TwoSteps(boolean targetKept, boolean onlineTrained, int targetForward, int targetBackward, int onlineBackward) {
    }

    static TwoSteps twoSteps(Variant v) {
        ComputationGraph g = graph(v, false);
        Map<String, INDArray> before = snapshot(g, TARGET_LAYERS);
        Map<String, INDArray> onlineBefore = snapshot(g, "online_dense1", "online_dense2");
        fit(g, 2);
        return new TwoSteps(sameParams(g, before, TARGET_LAYERS), !sameParams(g, onlineBefore, "online_dense1", "online_dense2"),
                CountingActivation.forward("target"), CountingActivation.backward("target"), CountingActivation.backward("online"));
    }

    @Test
    void plainTargetIsTrainedAndBackpropagated() {
        TwoSteps s = twoSteps(Variant.PLAIN);
        assertFalse(s.targetKept(), "baseline: an unwrapped target is trained");
        assertEquals(2, s.onlineBackward());
        assertEquals(2, s.targetBackward());
    }

    @Test
    void frozenLayerTargetGetsNoUpdateAndNoBackwardPass() {
        TwoSteps s = twoSteps(Variant.FROZEN);
        assertTrue(s.targetKept(), "FrozenLayer target params unchanged");
        assertTrue(s.onlineTrained(), "online is trained");
        assertEquals(2, s.targetForward());
        assertEquals(2, s.onlineBackward());
        assertEquals(0, s.targetBackward(), "ComputationGraph skips backprop of FrozenLayer vertices");
    }

    @Test
    void frozenLayerWithBackpropGetsNoUpdateButRunsTheBackwardPass() {
        TwoSteps s = twoSteps(Variant.FROZEN_WITH_BACKPROP);
        assertTrue(s.targetKept(), "FrozenLayerWithBackprop target params unchanged");
        assertEquals(2, s.targetBackward(), "FrozenLayerWithBackprop spends the backward pass");
    }

    @Test
    void noOpUpdaterDoesNotFreezeTheLayerItAppliesTheRawGradient() {
        TwoSteps s = twoSteps(Variant.NOOP_UPDATER);
        assertFalse(s.targetKept(), "NoOp = update equals the raw gradient (lr 1), not 'no update'");
        assertEquals(2, s.targetBackward());
    }

    @Test
    void zeroLearningRateFreezesParamsButRunsTheBackwardPass() {
        TwoSteps s = twoSteps(Variant.ZERO_LR);
        assertTrue(s.targetKept(), "Sgd(0) leaves params unchanged");
        assertEquals(2, s.targetBackward(), "...but the backward pass still runs");
    }

    @Test
    void trainModeFrozenLayerGetsNoUpdateAndNoBackwardPass() {
        TwoSteps s = twoSteps(Variant.TRAIN_MODE_FROZEN);
        assertTrue(s.targetKept());
        assertTrue(s.onlineTrained());
        assertEquals(2, s.targetForward());
        assertEquals(0, s.targetBackward());
        assertEquals(2, s.onlineBackward());
    }

    /** Captures target_bn's output as seen by fit (onForwardPass is called inside fit). */
    static INDArray bnOutputDuringFit(ComputationGraph g) {
        INDArray[] seen = new INDArray[1];
        g.setListeners(new BaseTrainingListener() {
            @Override
            public void onForwardPass(Model model, Map<String, INDArray> activations) {
                if (seen[0] == null) {
                    seen[0] = activations.get("target_bn").dup();
                }
            }
        });
        g.fit(data());
        g.setListeners();
        assertTrue(seen[0] != null, "onForwardPass saw target_bn");
        return seen[0];
    }

    /** Batch-mode BN (gamma 1, beta 0) has per-column mean 0; inference mode with fresh stats (mean 0, var 1) does not. */
    static boolean looksBatchNormalised(INDArray bnOut) {
        return bnOut.mean(0).amaxNumber().doubleValue() < 1e-6;
    }

    @Test
    void batchNormInsideFrozenLayerRunsInInferenceModeDuringFit() {
        assertFalse(looksBatchNormalised(bnOutputDuringFit(graph(Variant.FROZEN, true))));
    }

    @Test
    void batchNormInsideFrozenLayerWithBackpropRunsInInferenceModeAndItsBackwardPassCrashes() {
        ComputationGraph g = graph(Variant.FROZEN_WITH_BACKPROP, true);
        // the training-mode forward pass (what fit uses) goes through BN in inference mode
        assertFalse(looksBatchNormalised(g.feedForward(data().getFeatures(0), true).get("target_bn")));
        // and fit fails: BN.backpropGradient after an inference-mode forward uses a stale workspace array
        assertThrows(ND4JIllegalStateException.class, () -> g.fit(data()));
    }

    @Test
    void batchNormInsideTrainModeFrozenLayerUsesBatchStatisticsDuringFitAndKeepsItsRunningStats() {
        ComputationGraph g = graph(Variant.TRAIN_MODE_FROZEN, true);
        Map<String, INDArray> before = snapshot(g, "target_bn");
        assertTrue(looksBatchNormalised(bnOutputDuringFit(g)));
        assertTrue(sameParams(g, before, "target_bn"), "running stats only change through the EMA listener");
        // and inference (output, train=false) uses the running statistics
        INDArray inf = g.feedForward(data().getFeatures(0), false).get("target_bn");
        assertFalse(looksBatchNormalised(inf));
    }

    @Test
    void batchNormWithZeroLrUpdaterUsesBatchStatisticsAndUpdatesItsOwnRunningStats() {
        ComputationGraph g = graph(Variant.ZERO_LR, true);
        Map<String, INDArray> before = snapshot(g, "target_bn");
        assertTrue(looksBatchNormalised(bnOutputDuringFit(g)));
        assertFalse(sameParams(g, before, "target_bn"), "BN running mean/var move (NoOp-updated 'gradient' from the batch)");
        assertTrue(g.getLayer("target_bn").paramTable().containsKey("log10stdev"), "M2.1 default useLogStd=true stores log10(std)");
    }

    @Test
    void modelSerializerRestoresTargetParamsExactly(@TempDir Path dir) throws Exception {
        ComputationGraph g = graph(Variant.TRAIN_MODE_FROZEN, true);
        fit(g, 1);
        g.getLayer("target_dense1").paramTable().get("W").addi(0.125); // make target differ from any init
        Map<String, INDArray> before = snapshot(g, "target_dense1", "target_bn", "target_dense2", "online_dense1");
        File f = dir.resolve("g.zip").toFile();
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
        assertTrue(sameParams(r, before, "target_dense1", "target_bn", "target_dense2", "online_dense1"));
        assertEquals(g.params(), r.params());
        assertEquals(g.getConfiguration().toJson(), r.getConfiguration().toJson());
        assertTrue(r.getLayer("target_dense1") instanceof io.github.dl4jssl.layers.impl.TrainModeFrozenLayerImpl, "wrapper class survives JSON");
        assertEquals(g.getIterationCount(), r.getIterationCount());
        // restored graph still skips the target's backward pass
        CountingActivation.reset();
        r.fit(data());
        assertEquals(0, CountingActivation.backward("target"));
        assertNotEquals(0, CountingActivation.backward("online"));
    }

    @Test
    void modelSerializerRestoresPlainFrozenLayerTargetExactly(@TempDir Path dir) throws Exception {
        ComputationGraph g = graph(Variant.FROZEN, true);
        fit(g, 1);
        Map<String, INDArray> before = snapshot(g, TARGET_LAYERS);
        File f = dir.resolve("g.zip").toFile();
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
        assertTrue(sameParams(r, before, TARGET_LAYERS));
        assertEquals(g.params(), r.params());
    }
}
