package io.github.dl4jssl.listeners.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SlidingWindowStatsTest {

    @Test
    void constantSequenceHasZeroFluctuation() {
        SlidingWindowStats s = new SlidingWindowStats(8);
        for (int i = 0; i < 30; i++) {
            assertEquals(0.0, s.add(2.5).fluctuation());
        }
        assertEquals(8, s.size());
        assertEquals(2.5, s.mean(), 1e-15);
        assertEquals(2.5, s.median(), 0.0);
        assertEquals(0.0, s.std());
        SlidingWindowStats zeros = new SlidingWindowStats();
        zeros.add(0);
        assertEquals(0.0, zeros.add(0).fluctuation());
    }

    @Test
    void windowStatisticsDropTheOldestValue() {
        SlidingWindowStats s = new SlidingWindowStats(4);
        s.add(100);
        s.add(1);
        s.add(1);
        s.add(1);
        assertEquals(1.0, s.median(), 0.0); // median of {100,1,1,1} = 1
        // window now {100, 1, 1, 1}; next add drops 100
        SlidingWindowStats.Observation o = s.add(3);
        assertEquals(3.0, o.value(), 0.0);
        assertEquals(1.5, o.mean(), 1e-12); // {1,1,1,3}
        double std = Math.sqrt((3 * 0.25 + 2.25) / 4);
        assertEquals(std, o.std(), 1e-12);
        assertEquals(std / 1.5, o.fluctuation(), 1e-12);
        assertEquals(1.0, s.median(), 0.0); // (1 + 1) / 2
        assertEquals(4, s.size());
    }

    @Test
    void emptyWindowAndBadLength() {
        SlidingWindowStats s = new SlidingWindowStats(3);
        assertTrue(Double.isNaN(s.mean()));
        assertTrue(Double.isNaN(s.std()));
        assertTrue(Double.isNaN(s.median()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SlidingWindowStats(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }
}
