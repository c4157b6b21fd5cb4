package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The experiments' claim tables on synthetic reports whose differences are known. */
class ClaimTablesTest {

    private static FinishedRun run(Map<String, String> factors, double collapseAuc, double linear, int images) {
        RunReport r = new RunReport();
        r.collapseMetric = RunReport.EQUATION_2;
        r.collapseAucPerEpoch.add(collapseAuc);
        r.varianceAucPerEpoch.add(0.99);
        r.rankMePerEpoch.add(20.0);
        r.linearTop1 = linear;
        r.knnTop1 = linear - 0.1;
        r.trainImages = images;
        r.distinctTrainImages = images;
        r.epochs = 4;
        return new FinishedRun(new PlannedRun(String.join("-", new java.util.TreeMap<>(factors).values()), factors, RunSpec.builder().build()), r, null);
    }

    @Test
    void continualHybridComparesRegimesSeedBySeed(@TempDir Path dir) throws Exception {
        List<FinishedRun> runs = new ArrayList<>();
        double[] noise = {0.001, -0.001, 0.002, 0.0, -0.002};
        for (int s = 0; s < 5; s++) {
            String seed = Integer.toString(s + 1);
            // continual - multi-epoch = -0.05 + noise: reproduced; hybrid - multi-epoch linear = +1 point +- 0.1
            runs.add(run(Map.of("regime", "multi-epoch", "seed", seed), 0.80, 0.70, 2000));
            runs.add(run(Map.of("regime", "continual", "seed", seed), 0.75 + noise[s], 0.70 + noise[s], 2000));
            runs.add(run(Map.of("regime", "hybrid", "seed", seed), 0.78, 0.71 + noise[s] / 10, 2000));
        }
        String md = new ContinualHybridExperiment().summarize(runs, dir);
        assertTrue(md.contains("| continual collapses less than multi-epoch | collapse AUC: continual - multi-epoch | 5 | -0.0500 |"), md);
        assertTrue(md.contains("| reproduced | - |"), md);
        assertTrue(md.contains("| hybrid gives the best linear probe | linear top-1 (points): hybrid - multi-epoch | 5 | +1.00 |"), md);
        assertTrue(md.contains("| multi-epoch | 5 | 2000 | 8000 | 70.00 ± 0.00 | 60.00 ± 0.00 | 0.8000 ± 0.0000 | 0.9900 ± 0.0000 | 20.0 |"), md);
    }

    @Test
    void collapseForecastTestsCapacityAndForecastPerSeed(@TempDir Path dir) throws Exception {
        List<FinishedRun> runs = new ArrayList<>();
        for (int s = 1; s <= 2; s++) {
            for (double w : CollapseForecastExperiment.WIDTHS) {
                for (int n : CollapseForecastExperiment.TRAIN_IMAGES) {
                    // narrower and more data: more collapse; more collapse: lower accuracy (Spearman -1 in every seed)
                    double auc = 0.9 - 0.1 * w + n / 1e5 + s / 1e4;
                    runs.add(run(Map.of("width", Double.toString(w), "images", Integer.toString(n), "seed", Integer.toString(s)),
                            auc, 1.5 - auc, n));
                }
            }
        }
        String md = new CollapseForecastExperiment().summarize(runs, dir);
        // x0.25 - x1.0 at 1000 images: 0.1 * 0.75 = +0.075 in both seeds (no spread: the interval is a point)
        assertTrue(md.contains("| a smaller model collapses more | width x0.25 - x1.0, 1000 images | 2 | +0.0750 | [0.0750, 0.0750] "
                + "| reproduced (< 5 seeds: not decisive) | - |"), md);
        assertTrue(md.contains("| more data collapses a fixed model more | 4000 - 1000 images, width x0.5 | 2 | +0.0300 |"), md);
        assertTrue(md.contains("| more collapse, lower linear probe | Spearman(collapse AUC, linear top-1) | 2 | -1.00 |"), md);
    }

    @Test
    void momentumPluginClaimsPairMethodsBySeed() {
        BySeed knn = new BySeed(), linear = new BySeed();
        for (int s = 1; s <= 3; s++) {
            String seed = Integer.toString(s);
            knn.put("simclr", seed, 60 + s);
            knn.put("simclr-ema", seed, 59 + s + 0.1 * s);      // -1 + 0.1 s: -0.9, -0.8, -0.7
            linear.put("simclr", seed, 70);
            linear.put("simclr-ema", seed, 70 + (s == 2 ? 1 : -1)); // -1, +1, -1: no clear sign
        }
        List<PairedComparison> c = MomentumPluginExperiment.claims(knn, linear);
        assertEquals(2, c.size(), "only claim 1's pair was measured: kNN and linear");
        assertEquals("kNN top-1 (points): simclr-ema - simclr", c.get(0).comparison());
        assertEquals(-0.8, c.get(0).mean(), 1e-9);
        assertEquals(PairedComparison.Verdict.CONTRADICTED, c.get(0).verdict());
        assertEquals(PairedComparison.Verdict.INCONCLUSIVE, c.get(1).verdict());
    }
}
