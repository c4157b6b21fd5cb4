package io.github.dl4jssl.layers.optim;

import io.github.dl4jssl.layers.DoublePrecision;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.io.File;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Lars} on a conv + BN + dense network in double precision: several steps against {@link ReferenceLars}
 * (plain Java, MoCo v3's optimizer.py), a save/restore in the middle of training, JSON, and bad values.
 */
@ExtendWith(DoublePrecision.class)
class LarsTest {

    private static final double LR0 = 0.5;
    private static final double MOMENTUM = 0.9;
    private static final double ETA = 0.02;
    private static final double WD = 0.05;

    /** Learning rate 0.5 x 0.8^iteration: checks that the schedule is read per iteration. */
    private static Lars lars() {
        return Lars.builder().learningRateSchedule(new ExponentialSchedule(ScheduleType.ITERATION, LR0, 0.8))
                .momentum(MOMENTUM).trustCoefficient(ETA).weightDecay(WD).build();
    }

    /** The gradient of the mean loss at the graph's current parameters (DL4J's backprop on a copy, divided by the batch). */
    private static Map<String, double[]> gradients(ComputationGraph g, DataSet batch) {
        ComputationGraph copy = g.clone();
        copy.setInputs(batch.getFeatures());
        copy.setLabels(batch.getLabels());
        copy.computeGradientAndScore();
        Map<String, double[]> out = new HashMap<>();
        for (Map.Entry<String, INDArray> e : copy.gradient().gradientForVariable().entrySet()) {
            if (LarsNetwork.isTrainable(e.getKey())) {
                double[] v = LarsNetwork.flat(e.getValue());
                for (int i = 0; i < v.length; i++) {
                    v[i] /= LarsNetwork.BATCH;
                }
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    private static void assertParams(Map<String, double[]> expected, ComputationGraph g, String when) {
        Map<String, double[]> actual = LarsNetwork.trainable(g);
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), 1e-12, k + " " + when);
        }
    }

    @Test
    void fourStepsMatchThePlainJavaLarsPerTensorWithBiasesAndBatchNormExcluded() {
        ComputationGraph g = LarsNetwork.graph(lars());
        ReferenceLars reference = new ReferenceLars(MOMENTUM, ETA, WD, LarsNetwork.WEIGHTS);
        Map<String, double[]> expected = LarsNetwork.trainable(g);
        assertEquals(8, expected.size(), "conv W/b, bn gamma/beta, dense W/b, out W/b: " + expected.keySet());
        for (int step = 0; step < 4; step++) {
            DataSet batch = LarsNetwork.batch(100 + step);
            Map<String, double[]> grads = gradients(g, batch);
            expected = reference.step(expected, grads, LR0 * Math.pow(0.8, step));
            g.fit(batch);
            assertParams(expected, g, "after step " + (step + 1));
        }
        // per-tensor trust ratios: each weight tensor its own, none of them 1
        double conv = reference.lastTrustRatio.get("conv_W");
        double dense = reference.lastTrustRatio.get("dense_W");
        double out = reference.lastTrustRatio.get("out_W");
        assertTrue(conv != 1 && dense != 1 && out != 1, reference.lastTrustRatio.toString());
        assertTrue(Math.abs(conv - dense) > 1e-3 * conv && Math.abs(dense - out) > 1e-3 * dense, reference.lastTrustRatio.toString());
    }

    @Test
    void aLarsThatAlsoAdaptedBiasesAndBatchNormWouldNotMatch() {
        // the test above can fail: a LARS that also adapted biases and BN parameters gives different weights
        ComputationGraph g = LarsNetwork.graph(lars());
        ReferenceLars adaptsAll = new ReferenceLars(MOMENTUM, ETA, WD, LarsNetwork.trainable(g).keySet());
        DataSet batch = LarsNetwork.batch(100);
        Map<String, double[]> wrong = adaptsAll.step(LarsNetwork.trainable(g), gradients(g, batch), LR0);
        g.fit(batch);
        assertThrows(AssertionError.class, () -> assertParams(wrong, g, "adapting every tensor"));
    }

    @Test
    void saveAndRestoreMidTrainingContinuesIdentically(@TempDir File dir) throws Exception {
        ComputationGraph g = LarsNetwork.graph(lars());
        for (int step = 0; step < 2; step++) {
            g.fit(LarsNetwork.batch(200 + step));
        }
        File file = new File(dir, "lars.zip");
        ModelSerializer.writeModel(g, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        ComputationGraph withoutState = ModelSerializer.restoreComputationGraph(file, false);
        INDArray state = g.getUpdater().getStateViewArray();
        assertTrue(state.norm2Number().doubleValue() > 0, "the momentum buffers are not zero after two steps");
        assertEquals(state, restored.getUpdater().getStateViewArray());
        assertEquals(g.getConfiguration(), restored.getConfiguration());
        for (int step = 2; step < 5; step++) {
            DataSet batch = LarsNetwork.batch(200 + step);
            g.fit(batch);
            restored.fit(batch);
            withoutState.fit(batch);
        }
        assertEquals(g.getConfiguration().getIterationCount(), restored.getConfiguration().getIterationCount());
        assertParams(LarsNetwork.trainable(g), restored, "after restoring with the updater state");
        assertThrows(AssertionError.class, () -> assertParams(LarsNetwork.trainable(g), withoutState, "momentum lost"),
                "without the saved momentum buffers the continuation differs (the comparison above is not hollow)");
    }

    @Test
    void jsonRoundTripOfTheUpdaterAndOfAGraphConfiguration() throws Exception {
        Lars lars = lars();
        String json = NeuralNetConfiguration.mapper().writerFor(IUpdater.class).writeValueAsString(lars);
        IUpdater back = NeuralNetConfiguration.mapper().readValue(json, IUpdater.class);
        assertEquals(lars, back);
        assertEquals(lars.getLearningRate(3, 0), back.getLearningRate(3, 0));
        assertNotEquals(lars, lars.withWeightDecay(0.01));

        ComputationGraphConfiguration conf = LarsNetwork.graph(lars).getConfiguration();
        String graphJson = conf.toJson();
        assertTrue(graphJson.contains(LarsTrustRatio.class.getName()) && graphJson.contains(Lars.class.getName()), graphJson);
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(graphJson);
        assertEquals(conf, restored);
        org.deeplearning4j.nn.conf.graph.LayerVertex dense =
                (org.deeplearning4j.nn.conf.graph.LayerVertex) restored.getVertices().get("dense");
        assertEquals(java.util.List.of(lars.trustRatio()), dense.getLayerConf().getLayer().getRegularizationByParam("W"));
    }

    @Test
    void badValuesFailWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lars.builder().learningRate(-0.1).build());
        assertTrue(e.getMessage().contains("learning rate") && e.getMessage().contains("-0.1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Lars.builder().trustCoefficient(0).build());
        assertTrue(e.getMessage().contains("trust coefficient"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Lars.builder().trustCoefficient(-1e-3).build());
        e = assertThrows(IllegalArgumentException.class, () -> Lars.builder().momentum(1.0).build());
        assertTrue(e.getMessage().contains("momentum") && e.getMessage().contains("[0, 1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Lars.builder().momentum(-0.1).build());
        assertThrows(IllegalArgumentException.class, () -> Lars.builder().momentum(Double.NaN).build());
        e = assertThrows(IllegalArgumentException.class, () -> Lars.builder().weightDecay(-1e-6).build());
        assertTrue(e.getMessage().contains("weight decay"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LarsTrustRatio(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Lars().setLrAndSchedule(-1, null));
        Lars ok = Lars.builder().learningRate(0).momentum(0).build();
        assertEquals(0.0, ok.getLearningRate(5, 1));
    }
}
