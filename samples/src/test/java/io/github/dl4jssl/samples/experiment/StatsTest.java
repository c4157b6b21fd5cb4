package io.github.dl4jssl.samples.experiment;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StatsTest {

    @Test
    void meanAndSampleStd() {
        assertEquals(2.0, Stats.mean(List.of(1.0, 2.0, 3.0)), 1e-12);
        assertEquals(1.0, Stats.std(List.of(1.0, 2.0, 3.0)), 1e-12);   // sqrt((1 + 0 + 1) / 2)
        assertEquals(0.0, Stats.std(List.of(5.0)));
    }

    @Test
    void spearmanMatchesHandComputedRanks() {
        // monotone but not linear: rank correlation exactly 1 and -1
        assertEquals(1.0, Stats.spearman(new double[]{1, 2, 3, 4}, new double[]{1, 8, 27, 64}), 1e-12);
        assertEquals(-1.0, Stats.spearman(new double[]{1, 2, 3, 4}, new double[]{9, 4, 1, 0}), 1e-12);
        // x ranks 1..5, y ranks 2,1,4,3,5: d^2 = 1+1+1+1+0 = 4, rho = 1 - 6*4 / (5*24) = 0.8
        assertEquals(0.8, Stats.spearman(new double[]{10, 20, 30, 40, 50}, new double[]{2, 1, 4, 3, 5}), 1e-12);
        // ties share the mean rank
        assertArrayEquals(new double[]{1, 2.5, 2.5, 4}, Stats.ranks(new double[]{0, 7, 7, 9}), 0.0);
        assertThrows(IllegalArgumentException.class, () -> Stats.spearman(new double[]{1}, new double[]{1}));
    }

    @Test
    void studentTQuantilesMatchClosedFormsAndTables() {
        // df = 1 (Cauchy): tan(pi (p - 1/2)); df = 2: (2p - 1) / sqrt(2 p (1 - p))
        assertEquals(Math.tan(Math.PI * 0.475), Stats.tQuantile(0.975, 1), 1e-9);
        assertEquals(0.95 / Math.sqrt(2 * 0.975 * 0.025), Stats.tQuantile(0.975, 2), 1e-9);
        // printed t tables (two-sided 95%)
        assertEquals(3.182446, Stats.tQuantile(0.975, 3), 1e-6);
        assertEquals(2.776445, Stats.tQuantile(0.975, 4), 1e-6);
        assertEquals(2.262157, Stats.tQuantile(0.975, 9), 1e-6);
        assertEquals(2.042272, Stats.tQuantile(0.975, 30), 1e-6);
        // half width t s / sqrt(n): n = 3, s = 0.5
        assertEquals(0.95 / Math.sqrt(2 * 0.975 * 0.025) * 0.5 / Math.sqrt(3), Stats.tHalfWidth(0.5, 3, 0.95), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Stats.tQuantile(0.975, 0));
    }
}
