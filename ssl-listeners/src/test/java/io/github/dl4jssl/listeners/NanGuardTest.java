package io.github.dl4jssl.listeners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A planted NaN in one batch: STOP stops before the update, SKIP undoes the step exactly. */
class NanGuardTest {

    static ComputationGraph graph(IUpdater updater) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(updater).graphBuilder().addInputs("in")
                .addLayer("fc", new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().nOut(4).build(), "fc")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2)
                        .activation(Activation.IDENTITY).build(), "bn")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /** Four batches of 5 rows; batch {@code nanBatch} (if >= 0) has one NaN feature. */
    static List<DataSet> batches(int nanBatch) {
        Nd4j.getRandom().setSeed(7);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3);
            if (b == nanBatch) {
                x.putScalar(2, 1, Double.NaN);
            }
            out.add(new DataSet(x, Nd4j.rand(DataType.DOUBLE, 5, 2)));
        }
        return out;
    }

    /** Records iterationDone calls and a copy of the parameters and updater state after each step. */
    static final class Recorder extends BaseTrainingListener {
        final List<Integer> iterations = new ArrayList<>();
        final List<INDArray> params = new ArrayList<>();
        final List<INDArray> updater = new ArrayList<>();
        int gradientCalls;

        @Override
        public void onGradientCalculation(Model model) {
            gradientCalls++;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            iterations.add(iteration);
            params.add(model.params().dup());
            INDArray s = ((ComputationGraph) model).getUpdater().getStateViewArray();
            updater.add(s == null ? null : s.dup());
        }
    }

    @Test
    void stopThrowsNamingTheIterationBeforeTheUpdateIsApplied() {
        ComputationGraph g = graph(new Adam(0.05));
        Recorder rec = new Recorder();
        g.setListeners(new NanGuard(NanGuard.Policy.STOP, List.of(rec)));
        List<DataSet> data = batches(2);
        g.fit(data.get(0));
        g.fit(data.get(1));
        INDArray params = g.params().dup();
        INDArray state = g.getUpdater().getStateViewArray().dup();
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> g.fit(data.get(2)));
        assertEquals(2, e.iteration());
        assertTrue(Double.isNaN(e.loss()));
        assertTrue(e.getMessage().contains("iteration 2"), e.getMessage());
        assertEquals(params, g.params(), "the bad step's update must not be applied");
        assertEquals(state, g.getUpdater().getStateViewArray());
        assertEquals(List.of(0, 1), rec.iterations);
        assertEquals(2, rec.gradientCalls);
    }

    @Test
    void skipRestoresParametersAndUpdaterStateAndHidesTheStepFromWrappedListeners() {
        ComputationGraph g = graph(new Adam(0.05));
        Recorder rec = new Recorder();
        NanGuard guard = new NanGuard(NanGuard.Policy.SKIP, List.of(rec));
        g.setListeners(guard);
        for (DataSet ds : batches(2)) {
            g.fit(ds);
        }
        assertEquals(1, guard.skippedSteps());
        assertEquals(2, guard.lastSkippedIteration());
        assertEquals(4, g.getIterationCount(), "the skipped step still counts as an iteration");
        assertEquals(List.of(0, 1, 3), rec.iterations, "wrapped listeners never see the bad step");
        assertEquals(3, rec.gradientCalls);
        // After the undone step the model is exactly as after iteration 1: the snapshot in the guard is what
        // iteration 3 started from; recompute iteration 3 from the state after iteration 1 by hand.
        ComputationGraph ref = graph(new Adam(0.05));
        Recorder refRec = new Recorder();
        ref.setListeners(refRec);
        List<DataSet> clean = batches(-1);
        ref.fit(clean.get(0));
        ref.fit(clean.get(1));
        assertEquals(rec.params.get(1), refRec.params.get(1));
        ref.getConfiguration().setIterationCount(3); // Adam's bias correction uses the iteration number
        ref.fit(clean.get(3));
        assertEquals(refRec.params.get(2), rec.params.get(2));
        assertEquals(refRec.updater.get(2), rec.updater.get(2));
        assertFalse(g.params().isNaN().any() || g.params().isInfinite().any());
    }

    @Test
    void skipWithSgdEqualsTrainingWithoutTheBadBatch() {
        ComputationGraph g = graph(new Sgd(0.1));
        g.setListeners(new NanGuard(NanGuard.Policy.SKIP, List.of()));
        List<DataSet> bad = batches(1);
        for (DataSet ds : bad) {
            g.fit(ds);
        }
        ComputationGraph ref = graph(new Sgd(0.1));
        List<DataSet> clean = batches(-1);
        for (int b : new int[] {0, 2, 3}) {
            ref.fit(clean.get(b));
        }
        assertEquals(ref.params(), g.params());
        assertNotEquals(graph(new Sgd(0.1)).params(), g.params());
    }

    @Test
    void policyIsRequired() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new NanGuard(null, List.of()));
        assertTrue(e.getMessage().contains("STOP or SKIP"));
    }
}
