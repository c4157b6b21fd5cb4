package io.github.dl4jssl.samples.experiment;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.github.dl4jssl.samples.experiment.PairedComparison.Expected.GREATER;
import static io.github.dl4jssl.samples.experiment.PairedComparison.Expected.LESS;
import static io.github.dl4jssl.samples.experiment.PairedComparison.Verdict.CONTRADICTED;
import static io.github.dl4jssl.samples.experiment.PairedComparison.Verdict.INCONCLUSIVE;
import static io.github.dl4jssl.samples.experiment.PairedComparison.Verdict.REPRODUCED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairedComparisonTest {

    private static final double T2 = 4.302653;   // t_{0.975, 2}
    private static final double T3 = 3.182446;   // t_{0.975, 3}

    @Test
    void pairsBySeedAndGivesTheTIntervalOfTheDifferences() {
        // differences by seed: s1 0.5, s2 1.0, s3 1.5 (s4 only in a: ignored); mean 1, sd 0.5
        Map<String, Double> a = Map.of("1", 2.5, "2", 3.0, "3", 4.5, "4", 100.0);
        Map<String, Double> b = Map.of("3", 3.0, "1", 2.0, "2", 2.0);
        PairedComparison c = PairedComparison.of("claim", "a - b", a, b, GREATER);
        assertEquals(3, c.seeds());
        assertEquals(1.0, c.mean(), 1e-12);
        double h = T2 * 0.5 / Math.sqrt(3);   // 1.242078
        assertEquals(1 - h, c.lower(), 1e-6);
        assertEquals(1 + h, c.upper(), 1e-6);
        assertEquals(INCONCLUSIVE, c.verdict());
        // n = 3: 4.3027 * 0.5 / sqrt(3) = 1.242 >= 1; n = 4: 3.1824 * 0.5 / 2 = 0.796 < 1
        assertEquals(4, c.seedsNeeded());
    }

    @Test
    void verdictFollowsTheSideOfTheInterval() {
        // differences 1.0, 1.1, 0.9, 1.0: mean 1, sd sqrt(0.02 / 3), half width t_{.975,3} * sd / 2 = 0.1299
        List<Double> d = List.of(1.0, 1.1, 0.9, 1.0);
        PairedComparison up = PairedComparison.ofDifferences("x", "y", d, GREATER);
        assertEquals(REPRODUCED, up.verdict());
        assertEquals(1 - T3 * Math.sqrt(0.02 / 3) / 2, up.lower(), 1e-6);
        assertEquals(0, up.seedsNeeded());
        assertEquals(CONTRADICTED, PairedComparison.ofDifferences("x", "y", d, LESS).verdict());
        assertEquals(REPRODUCED, PairedComparison.ofDifferences("x", "y", d.stream().map(v -> -v).toList(), LESS).verdict());
        // zero mean: no number of seeds decides; one seed: no interval
        PairedComparison zero = PairedComparison.ofDifferences("x", "y", List.of(1.0, -1.0), GREATER);
        assertEquals(INCONCLUSIVE, zero.verdict());
        assertEquals(-1, zero.seedsNeeded());
        PairedComparison one = PairedComparison.ofDifferences("x", "y", List.of(0.3), GREATER);
        assertEquals(INCONCLUSIVE, one.verdict());
        assertTrue(Double.isNaN(one.lower()));
    }

    @Test
    void tableShowsIntervalVerdictAndSeedsNeeded() {
        String md = PairedComparison.table(List.of(
                PairedComparison.ofDifferences("claim 1", "acc: a - b", List.of(0.01, 0.011, 0.009, 0.01, 0.01), GREATER),
                PairedComparison.ofDifferences("claim 2", "acc: c - d", List.of(0.005, 0.015, -0.005), GREATER)), 2, 100).markdown();
        assertTrue(md.contains("| claim 1 | acc: a - b | 5 | +1.00 | [0.91, 1.09] | reproduced | - |"), md);
        // mean 0.5 points, sd 1 point: n = 3 gives 2.48; the first n with t s / sqrt(n) < 0.5 is 18 (t_{.975,17} = 2.1098)
        assertTrue(md.contains("| claim 2 | acc: c - d | 3 | +0.50 | [-1.98, 2.98] | inconclusive (< 5 seeds: not decisive) | about 18 |"), md);
    }
}
