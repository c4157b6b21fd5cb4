package io.github.dl4jssl.listeners.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SpikeDetectorTest {

    /** Window 4, minimum history 3, threshold 6, release 3, scale floor 0.05. */
    private static final SpikeDetector.Config SMALL = new SpikeDetector.Config(4, 3, 6, 3, 0.05);

    @Test
    void robustZByHand() {
        SpikeDetector d = SMALL.newDetector();
        d.add(1);
        d.add(2);
        d.add(4);
        SpikeDetector.Decision before = d.add(8); // logs {0, ln 2, ln 4}: median ln 2, deviations {ln 2, 0, ln 2}
        assertEquals(2.0, before.median(), 1e-12);
        assertEquals(SpikeDetector.MAD_TO_SIGMA * Math.log(2), before.scale(), 1e-12);
        assertEquals(Math.log(4) / (SpikeDetector.MAD_TO_SIGMA * Math.log(2)), before.z(), 1e-12);
        // window {1, 2, 4, 8}: median of the logs (ln 2 + ln 4) / 2 = ln(2 sqrt 2); deviations {1.5, 0.5, 0.5, 1.5} ln 2
        SpikeDetector.Decision d100 = d.add(100);
        assertEquals(2 * Math.sqrt(2), d100.median(), 1e-12);
        assertEquals(SpikeDetector.MAD_TO_SIGMA * Math.log(2), d100.scale(), 1e-12);
        double z = (Math.log(100) - Math.log(2 * Math.sqrt(2))) / (SpikeDetector.MAD_TO_SIGMA * Math.log(2));
        assertEquals(z, d100.z(), 1e-12);
        assertFalse(d100.spike(), "z = " + z + " is below 6");
        assertEquals(4, d.size(), "the window keeps 4 values");
        assertEquals(1.4826, SpikeDetector.MAD_TO_SIGMA, 1e-4);
    }

    @Test
    void noDecisionBeforeTheMinimumHistory() {
        SpikeDetector d = SMALL.newDetector();
        assertTrue(Double.isNaN(d.add(1).median()));
        SpikeDetector.Decision second = d.add(1000);
        assertFalse(second.spike(), "one earlier value only");
        assertTrue(Double.isNaN(second.z()));
        assertEquals(1.0, second.median(), 0.0);
        assertFalse(d.add(1).spike(), "two earlier values only");
        assertTrue(d.add(1000).spike(), "three earlier values {1, 1000, 1}: median 1, scale floor 0.05, z = 138");
    }

    @Test
    void aBurstCountsOnceAndAJumpAfterItsEndCountsAgain() {
        SpikeDetector d = new SpikeDetector(new SpikeDetector.Config(20, 5, 6, 3, 0.05));
        for (int i = 0; i < 10; i++) {
            assertFalse(d.add(1).spike());
        }
        SpikeDetector.Decision start = d.add(10);
        assertTrue(start.spike());
        assertTrue(start.inSpike());
        assertFalse(d.add(20).spike(), "same burst");
        SpikeDetector.Decision between = d.add(Math.exp(4 * 0.05)); // z = 4: above release 3, below threshold 6
        assertFalse(between.spike());
        assertTrue(between.inSpike(), "still in the burst");
        SpikeDetector.Decision end = d.add(1);
        assertFalse(end.spike());
        assertFalse(end.inSpike(), "z = 0 <= release ends the burst");
        assertTrue(d.add(10).spike(), "a new jump after the end counts again");
        assertEquals(2, d.spikeCount());
    }

    @Test
    void scaleFloorKeepsSmallChangesOfAConstantSeriesQuiet() {
        SpikeDetector d = SMALL.newDetector();
        for (int i = 0; i < 10; i++) {
            SpikeDetector.Decision o = d.add(2.5);
            assertFalse(o.spike());
        }
        SpikeDetector.Decision small = d.add(2.5 * 1.3); // z = ln 1.3 / 0.05 = 5.2
        assertEquals(Math.log(1.3) / 0.05, small.z(), 1e-9);
        assertFalse(small.spike());
        d.add(2.5);
        d.add(2.5);
        d.add(2.5);
        assertTrue(d.add(2.5 * 1.4).spike(), "z = ln 1.4 / 0.05 = 6.7");
    }

    @Test
    void aLastingChangeOfLevelCountsOnceThenBecomesNormal() {
        SpikeDetector d = new SpikeDetector(new SpikeDetector.Config(20, 5, 6, 3, 0.05));
        for (int i = 0; i < 20; i++) {
            d.add(1);
        }
        assertTrue(d.add(5).spike());
        for (int i = 0; i < 40; i++) {
            assertFalse(d.add(5).spike(), "value " + i + " after the change");
        }
        assertFalse(d.add(5).inSpike(), "the new level is the median now");
    }

    @Test
    void zeroAndNaNAreSkippedAndInfinityIsASpike() {
        SpikeDetector d = SMALL.newDetector();
        for (int i = 0; i < 5; i++) {
            d.add(1);
        }
        SpikeDetector.Decision zero = d.add(0);
        assertFalse(zero.spike());
        SpikeDetector.Decision nan = d.add(Double.NaN);
        assertFalse(nan.spike());
        assertTrue(Double.isNaN(nan.z()));
        assertEquals(1.0, d.add(1).median(), 0.0, "neither entered the window");
        assertTrue(d.add(Double.POSITIVE_INFINITY).spike());
    }

    @Test
    void badConstantsAreRefusedWithTheRule() {
        assertMessage(() -> new SpikeDetector.Config(2, 2, 6, 3, 0.05), "window must be at least 3");
        assertMessage(() -> new SpikeDetector.Config(10, 11, 6, 3, 0.05), "minHistory must be between 3 and the window (10)");
        assertMessage(() -> new SpikeDetector.Config(10, 5, 0, 0, 0.05), "threshold (robust z) must be a positive number");
        assertMessage(() -> new SpikeDetector.Config(10, 5, Double.NaN, 0, 0.05), "threshold");
        assertMessage(() -> new SpikeDetector.Config(10, 5, 6, 7, 0.05), "release (robust z) must be in [0, threshold = 6.0]");
        assertMessage(() -> new SpikeDetector.Config(10, 5, 6, 3, 0), "minScale (log units) must be a positive number");
        assertMessage(() -> GradientMagnitudeMonitor.builder().spikeDetection(null), "spike detection config");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        Exception x = assertThrows(Exception.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }

    /**
     * Synthetic gradient norms: log-normal noise around a drifting level, with spikes injected (seeded). The noise
     * has standard deviation 0.25 in log units, within the robust scale of the default run's blocks (0.15 to 0.39;
     * the first layer's 0.23 before its norm starts to swing; see {@code DefaultRunSpikesTest}); the level falls by
     * a factor e over the series and oscillates by e^0.3 (a learning-rate schedule, a changing loss). A spike multiplies 1 to 3 consecutive norms by a factor drawn
     * log-uniformly from [4, 10] (MoCo v3 shows jumps of an order of magnitude).
     */
    record Synthetic(double[] norms, List<int[]> spikes) {

        static Synthetic generate(long seed, int n, int count) {
            Random r = new Random(seed);
            double[] logs = new double[n];
            for (int t = 0; t < n; t++) {
                logs[t] = Math.log(0.5) - (double) t / n + 0.3 * Math.sin(2 * Math.PI * t / 700.0) + 0.25 * r.nextGaussian();
            }
            List<int[]> spikes = new ArrayList<>();
            while (spikes.size() < count) {
                int start = 40 + r.nextInt(n - 45);
                if (spikes.stream().allMatch(s -> Math.abs(s[0] - start) >= 40)) {
                    int length = 1 + r.nextInt(3);
                    double factor = Math.exp(Math.log(4) + r.nextDouble() * Math.log(10.0 / 4));
                    for (int t = start; t < start + length; t++) {
                        logs[t] += Math.log(factor);
                    }
                    spikes.add(new int[] {start, start + length});
                }
            }
            double[] norms = new double[n];
            for (int t = 0; t < n; t++) {
                norms[t] = Math.exp(logs[t]);
            }
            return new Synthetic(norms, spikes);
        }

        boolean injectedAt(int t) {
            return spikes.stream().anyMatch(s -> t >= s[0] && t < s[1]);
        }
    }

    @Test
    void findsInjectedSpikesInDriftingLogNormalNoise() {
        int injected = 0;
        int found = 0;
        int falseAlarms = 0;
        int iterations = 0;
        for (long seed = 1; seed <= 10; seed++) {
            Synthetic s = Synthetic.generate(seed, 2000, 20);
            SpikeDetector d = new SpikeDetector();
            List<Integer> flagged = new ArrayList<>();
            for (int t = 0; t < s.norms().length; t++) {
                if (d.add(s.norms()[t]).spike()) {
                    flagged.add(t);
                }
            }
            injected += s.spikes().size();
            for (int[] spike : s.spikes()) {
                if (flagged.stream().anyMatch(t -> t >= spike[0] && t < spike[1])) {
                    found++;
                }
            }
            falseAlarms += (int) flagged.stream().filter(t -> !s.injectedAt(t)).count();
            iterations += s.norms().length;
            assertEquals(flagged.size(), d.spikeCount());
        }
        double recall = (double) found / injected;
        System.out.printf("Synthetic series: %d of %d injected spikes found (recall %.3f), %d false alarms in %d iterations%n",
                found, injected, recall, falseAlarms, iterations);
        assertTrue(recall >= 0.9, "recall " + recall + " (" + found + " of " + injected + ")");
        assertTrue(falseAlarms <= iterations / 2000, falseAlarms + " false alarms in " + iterations + " iterations");
    }
}
