package io.github.dl4jssl.listeners.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class SlidingWindowStatsTest {

    @Test
    void constantSequenceHasZeroFluctuationAndNoSpike() {
        SlidingWindowStats s = new SlidingWindowStats(8, 3, 3);
        for (int i = 0; i < 30; i++) {
            SlidingWindowStats.Observation o = s.add(2.5);
            assertEquals(0.0, o.fluctuation());
            assertFalse(o.spike());
        }
        assertEquals(8, s.size());
        assertEquals(2.5, s.mean(), 1e-15);
        assertEquals(0.0, s.std());
        SlidingWindowStats zeros = new SlidingWindowStats();
        zeros.add(0);
        assertEquals(0.0, zeros.add(0).fluctuation());
    }

    @Test
    void plantedSpikeIsFlaggedAndNormalSequenceIsNot() {
        SlidingWindowStats s = new SlidingWindowStats(20, 3, 5);
        Random r = new Random(11);
        for (int i = 0; i < 200; i++) {
            double x = 1.0 + 0.3 * (r.nextDouble() - 0.5) + 0.002 * i; // noisy, slowly drifting
            assertFalse(s.add(x).spike(), "normal value " + i + " flagged");
        }
        double median = s.median();
        SlidingWindowStats.Observation spike = s.add(5 * median);
        assertTrue(spike.spike());
        assertEquals(median, spike.median(), 1e-12);
        // the spike does not mask a second one right after (median, not mean)
        assertTrue(s.add(5 * median).spike());
        assertFalse(s.add(median).spike());
    }

    @Test
    void noSpikeBeforeMinHistoryAndWindowStatistics() {
        SlidingWindowStats few = new SlidingWindowStats(4, 3, 3);
        few.add(1);
        assertFalse(few.add(100).spike(), "only one earlier value");
        SlidingWindowStats s = new SlidingWindowStats(4, 3, 3);
        s.add(100);
        s.add(1);
        s.add(1);
        s.add(1);
        // window now {100, 1, 1, 1}; next add drops 100
        SlidingWindowStats.Observation o = s.add(3);
        assertEquals(1.0, o.median(), 0.0); // median of {100,1,1,1} = 1
        assertEquals(1.5, o.mean(), 1e-12); // {1,1,1,3}
        double std = Math.sqrt((3 * 0.25 + 2.25) / 4);
        assertEquals(std, o.std(), 1e-12);
        assertEquals(std / 1.5, o.fluctuation(), 1e-12);
        assertFalse(o.spike()); // 3 == 3 x median is not above
    }
}
