package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.RunSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The recipe sweeps' plans, and their recommendations on synthetic reports whose differences are known. */
class RecipeSweepExperimentTest {

    private static RecipeSweepExperiment sweep(String method) {
        return (RecipeSweepExperiment) Experiments.byName("recipe-" + method);
    }

    @Test
    void everyMethodWithASweepScreensEveryVariantAtTheFirstSeed() {
        for (String method : List.of("simclr", "mocov2", "mocov3", "byol", "simsiam")) {
            List<PlannedRun> plan = sweep(method).plan(new Budget(1, 3, null));
            assertEquals(plan.size(), plan.stream().map(r -> r.factor("variant")).distinct().count(), method);
            assertTrue(plan.stream().allMatch(r -> r.factor("seed").equals("1")), method);
            assertEquals(plan.size(), new HashSet<>(plan.stream().map(PlannedRun::id).toList()).size(), "ids unique: " + method);
            for (PlannedRun r : plan) {
                assertEquals(method, r.spec().method());
                assertEquals(1, r.spec().seed());
                assertEquals(r.factor("variant").startsWith("batch-") ? Integer.parseInt(r.factor("variant").substring(6))
                                : RunSpec.recipeBatchSize(method),
                        r.spec().batchSize(), r.id());
            }
        }
        RunSpec lars = sweep("simclr").plan(new Budget(1, 1, null)).stream()
                .filter(r -> r.id().equals("optimizer-lars-lr1.5-warmup-cosine-seed1")).findFirst().orElseThrow().spec();
        assertEquals("lars", lars.optimizer());
        assertEquals(1.5, lars.learningRate());
        assertEquals("warmup-cosine", lars.schedule());
        assertEquals(0.5, sweep("simclr").plan(new Budget(1, 1, null)).stream()
                .filter(r -> r.id().equals("crop-scale-0.5-seed1")).findFirst().orElseThrow().spec().cropScale());
    }

    /**
     * No variant repeats the defaults: once a sweep's winner became a default (SimCLR's T = 0.1, SimSiam's Adam), a
     * variant that sets the same value would compare the defaults with themselves.
     */
    @Test
    void everyVariantChangesWhatTheMethodTrainsWith() {
        for (String method : List.of("simclr", "mocov2", "mocov3", "byol", "simsiam")) {
            List<PlannedRun> plan = sweep(method).plan(new Budget(1, 1, null));
            RunSpec defaults = plan.stream().filter(r -> r.factor("variant").equals("defaults")).findFirst().orElseThrow().spec();
            for (PlannedRun r : plan) {
                if (!r.factor("variant").equals("defaults")) {
                    assertNotEquals(effective(defaults), effective(r.spec()), r.id() + " trains as the defaults do");
                }
            }
        }
    }

    /** What a run trains with; Adam without a rate is Adam at its default 1e-3 (the form the sweeps' Adam variants take). */
    private static List<Object> effective(RunSpec s) {
        Double lr = s.learningRate() == null && "adam".equals(s.optimizerOrRecipe()) ? Double.valueOf(1e-3) : s.learningRate();
        return java.util.Arrays.asList(s.optimizerOrRecipe(), lr, s.temperatureOrRecipe(), s.schedule(),
                s.batchSize(), s.cropScaleOrDefault(), s.headHidden(), s.momentum());
    }

    @Test
    void theOtherSeedsGoToTheDefaultsAndTheVariantsThatBeatThemAtTheFirst() {
        RecipeSweepExperiment simclr = sweep("simclr");
        Budget budget = new Budget(1, 3, null);
        List<FinishedRun> screening = List.of(run("defaults", 1, 0.70), run("temperature-0.5", 1, 0.71),
                run("temperature-0.2", 1, 0.70), run("lr-3e-3", 1, 0.69));
        List<PlannedRun> more = simclr.followUp(budget, screening);
        assertEquals(List.of("defaults-seed2", "temperature-0.5-seed2", "defaults-seed3", "temperature-0.5-seed3"),
                more.stream().map(PlannedRun::id).toList());
        assertEquals(0.5, more.get(1).spec().temperature());
        assertEquals(2, more.get(1).spec().seed());
        List<FinishedRun> all = new ArrayList<>(screening);
        all.add(run("defaults", 2, 0.70));
        assertEquals(List.of(), simclr.followUp(budget, all), "asked once, after the screening");
        assertEquals(List.of(), simclr.followUp(new Budget(1, 1, null), screening), "one seed: no follow-up");
    }

    private static FinishedRun run(String variant, int seed, double knn) {
        return run(variant, seed, knn, knn + 0.05);
    }

    private static FinishedRun run(String variant, int seed, double knn, double linear) {
        RunReport r = new RunReport();
        r.knnTop1 = knn;
        r.linearTop1 = linear;
        r.imagesPerSecond = 400;
        r.randomKnnTop1 = 0.6;
        r.rawPixelKnnTop1 = 0.7;
        r.rawPixelLinearTop1 = 0.8;
        r.seed = seed;
        return new FinishedRun(new PlannedRun(variant + "-seed" + seed, Map.of("variant", variant, "seed", Integer.toString(seed)),
                RunSpec.builder().build()), r, null);
    }

    @Test
    void onlyAGainWhoseIntervalExcludesZeroIsRecommended(@TempDir Path dir) throws Exception {
        List<FinishedRun> runs = new ArrayList<>();
        double[] noise = {0.001, -0.002, 0.001};
        for (int s = 1; s <= 3; s++) {
            runs.add(run("defaults", s, 0.70 + noise[s - 1]));
            runs.add(run("temperature-0.5", s, 0.72 + noise[s - 1]));          // +2 points every seed: better
            runs.add(run("temperature-0.2", s, 0.71 + noise[s - 1]));          // +1: better, but less than 0.5
            runs.add(run("lr-3e-3", s, 0.70 + (s == 2 ? 0.03 : -0.01)));       // +1, -1 ... no evidence
            runs.add(run("crop-scale-0.5", s, 0.65 + noise[s - 1]));         // -5: worse
            runs.add(run("batch-64", s, 0.70 + (s == 2 ? 0.02 : -0.01), 0.76)); // kNN +2, -1, -1; linear +1 each seed
        }
        String md = sweep("simclr").summarize(runs, dir);
        assertTrue(md.contains("| temperature | 0.5 | 3 | 72.00 ± 0.17 | +2.00 [2.00, 2.00] | 77.00 ± 0.17 | +2.00 [2.00, 2.00] | better |"), md);
        assertTrue(md.contains("| crop-scale | 0.5 | 3 | 65.00 ± 0.17 | -5.00 [-5.00, -5.00] | 70.00 ± 0.17 | -5.00 [-5.00, -5.00] | worse |"), md);
        String batchRow = md.lines().filter(l -> l.startsWith("| batch | 64 |")).findFirst().orElseThrow();
        assertTrue(batchRow.contains("| +0.00 [") && batchRow.contains("| 76.00 ± 0.00 | +1.00 [") && batchRow.endsWith("| better | 400 |"),
                batchRow);
        assertTrue(md.contains("- batch: 64 (`--batch-size 64`"), "linear better, kNN no evidence: recommended\n" + md);
        assertTrue(md.contains("| lr | 3e-3 | 3 |") && md.contains("| no evidence |"), md);
        assertTrue(md.contains("- temperature: 0.5 (`--temperature 0.5`, +2.00 kNN points"), md);
        assertFalse(md.contains("- temperature: 0.2"), md);
        assertFalse(md.contains("- lr:"), md);
        assertTrue(md.contains("raw pixels kNN 70.00%, linear 80.00%; the defaults' random initial weights kNN 60.00 ± 0.00%"), md);
        assertTrue(Files.size(dir.resolve("knn.png")) > 1000);
        assertTrue(Files.readString(dir.resolve("runs.csv")).contains("temperature-0.5-seed2,temperature-0.5,2,0.718"));
    }

    @Test
    void withoutEvidenceTheDefaultsStay(@TempDir Path dir) throws Exception {
        List<FinishedRun> runs = new ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            runs.add(run("defaults", s, 0.70));
            runs.add(run("batch-64", s, 0.70 + (s - 2) * 0.01));
        }
        assertTrue(sweep("simclr").summarize(runs, dir).contains("No variant beats the defaults beyond the seeds' noise on either probe: keep them."));
    }
}
