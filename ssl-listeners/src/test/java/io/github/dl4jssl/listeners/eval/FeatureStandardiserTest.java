package io.github.dl4jssl.listeners.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FeatureStandardiserTest {

    @Test
    void standardisesWithTheBanksColumnStatisticsComputedByHand() {
        // bank columns: (1, 3) -> mean 2, population std 1; (0, 4) -> mean 2, std 2; (5, 5) constant -> std floored
        INDArray bank = Nd4j.create(new double[][] {{1, 0, 5}, {3, 4, 5}}).castTo(DataType.FLOAT);
        INDArray test = Nd4j.create(new double[][] {{2, 6, 7}}).castTo(DataType.FLOAT);
        FeatureStandardiser s = FeatureStandardiser.fit(bank);
        assertArrayEquals(new float[] {-1, -1, 0, 1, 1, 0}, s.apply(bank).data().asFloat(), 1e-6f);
        // (2-2)/1, (6-2)/2, (7-5)/1e-6
        assertArrayEquals(new float[] {0, 2, 2e6f}, s.apply(test).data().asFloat(), 1f);
        assertArrayEquals(new float[] {2, 2, 5}, s.mean().data().asFloat(), 1e-6f);
        assertArrayEquals(new float[] {1, 2, (float) FeatureStandardiser.MIN_STD}, s.std().data().asFloat(), 1e-9f);
        assertArrayEquals(new float[] {2, 6, 7}, test.data().asFloat(), "the input is not modified");
    }

    @Test
    void refusesArraysOfTheWrongShape() {
        assertThrows(IllegalArgumentException.class, () -> FeatureStandardiser.fit(Nd4j.zeros(DataType.FLOAT, 0, 3)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureStandardiser.fit(Nd4j.ones(DataType.FLOAT, 2, 3)).apply(Nd4j.ones(DataType.FLOAT, 2, 4)));
        assertTrue(e.getMessage().contains("3 columns"), e.getMessage());
    }
}
