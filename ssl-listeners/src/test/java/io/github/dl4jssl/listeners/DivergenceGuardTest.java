package io.github.dl4jssl.listeners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * SGD at a learning rate of 1e4 on the small graph of {@link NanGuardTest}: the loss stays finite but grows by
 * orders of magnitude (and turns NaN steps later); the guard stops at the first step beyond 1000 x the first loss, before its update.
 */
class DivergenceGuardTest {

    /** Each step's score and the parameters after it. */
    private static StepRecorder<INDArray> scoresAndParams() {
        return new StepRecorder<>(model -> model.params().dup());
    }

    /** The scores of the unguarded run, step by step, for 12 steps. */
    private static StepRecorder<INDArray> unguarded() {
        ComputationGraph g = NanGuardTest.graph(new Sgd(1e4));
        StepRecorder<INDArray> s = scoresAndParams();
        g.setListeners(s);
        fit(g, 3);
        return s;
    }

    private static void fit(ComputationGraph g, int epochs) {
        for (int e = 0; e < epochs; e++) {
            for (DataSet d : NanGuardTest.batches(-1)) {
                g.fit(d);
            }
        }
    }

    @Test
    void stopsAtTheFirstStepBeyondTheLimitBeforeItsUpdate() {
        StepRecorder<INDArray> free = unguarded();
        double first = free.scores.get(0);
        double limit = 1e3 * Math.max(Math.abs(first), 1.0);
        int bad = -1;
        for (int i = 0; i < free.scores.size() && bad < 0; i++) {
            assertTrue(Double.isFinite(free.scores.get(i)), "the test needs a loss that stays finite: " + free.scores);
            if (Math.abs(free.scores.get(i)) > limit) {
                bad = i;
            }
        }
        assertTrue(bad >= 1, "the test needs a loss that explodes after the first step: " + free.scores);

        ComputationGraph g = NanGuardTest.graph(new Sgd(1e4));
        StepRecorder<INDArray> seen = scoresAndParams();
        DivergenceGuard guard = new DivergenceGuard(1e3, null);
        g.setListeners(guard, seen);
        LossDivergedException e = assertThrows(LossDivergedException.class, () -> fit(g, 3));
        assertEquals(bad, e.iteration());
        assertEquals(free.scores.get(bad), e.loss(), 1e-9 * Math.abs(e.loss()));
        assertEquals(first, guard.firstLoss(), 0.0);
        assertEquals(bad, seen.scores.size(), "no later listener saw the diverged step");
        assertEquals(free.snapshots.get(bad - 1), g.params(), "the diverged step's update was not applied");
        assertTrue(free.scores.subList(bad, free.scores.size()).stream().anyMatch(s -> !Double.isFinite(s)),
                "unguarded, the run goes on to a NaN loss: " + free.scores);
        assertTrue(e.getMessage().contains("iteration " + bad) && e.getMessage().contains("diverged"), e.getMessage());
    }

    @Test
    void aResumedRunKeepsTheReferenceOfItsFirstStep() {
        DivergenceGuard guard = new DivergenceGuard(10, -0.5); // a negative first loss: the floor of 1 applies
        assertEquals(10.0, guard.limit(), 0.0);
        guard = new DivergenceGuard(10, 4.0);
        assertEquals(40.0, guard.limit(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> new DivergenceGuard(1, null));
        assertThrows(IllegalArgumentException.class, () -> new DivergenceGuard(10, Double.NaN));
    }
}
