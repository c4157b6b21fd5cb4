package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.samples.Cli;
import io.github.dl4jssl.samples.TestData;
import io.github.dl4jssl.train.RunSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ExperimentCommandTest {

    @Test
    void gradientStabilityAtTinyScaleWritesResultsAndReusesFinishedRuns(@TempDir Path out) throws Exception {
        TestData.requireFashionMnist();
        // 4000 * 0.03 = 120 images, batch 30: 4 iterations per epoch, 12 in all
        Cli.run(0, "experiment", "gradient-stability", "--scale", "0.03", "--out", out.toString());
        String md = Files.readString(out.resolve("results.md"));
        for (String method : GradientStabilityExperiment.METHODS) {
            assertTrue(md.contains("| " + method + " |"), method + " row missing:\n" + md);
            assertTrue(Files.exists(out.resolve("runs").resolve(method + "-seed1").resolve("report.json")));
        }
        assertTrue(md.contains("most fluctuating block is"), md);
        List<String> csv = Files.readAllLines(out.resolve("fluctuation.csv"));
        assertEquals(1 + GradientStabilityExperiment.METHODS.size(), csv.size(), csv.toString());
        assertTrue(csv.get(0).contains("projector fluctuation"), csv.get(0));
        for (String png : new String[]{"fluctuation.png", "norm-projector.png", "norm-first-layer.png"}) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
        }
        // a second invocation reuses the finished runs instead of training again
        Path report = out.resolve("runs/simclr-seed1/report.json");
        FileTime before = Files.getLastModifiedTime(report);
        Files.delete(out.resolve("results.md"));
        Cli.run(0, "experiment", "gradient-stability", "--scale", "0.03", "--out", out.toString());
        assertEquals(before, Files.getLastModifiedTime(report));
        assertTrue(Files.exists(out.resolve("results.md")));
    }

    @Test
    void badNamesAndBudgetsAreUserErrors(@TempDir Path out) {
        String err = Cli.run(2, "experiment", "no-such", "--out", out.toString());
        assertTrue(err.contains("momentum-plugin") && err.contains("collapse-forecast"), err);
        assertTrue(Cli.run(2, "experiment", "momentum-plugin", "--scale", "0", "--out", out.toString()).contains("--scale"));
        assertTrue(Cli.run(2, "experiment", "momentum-plugin", "--seeds", "0", "--out", out.toString()).contains("--seeds"));
    }

    @Test
    void plansCoverEveryVariantAndSeed() {
        Budget b = new Budget(0.5, 3, null);
        List<PlannedRun> momentum = new MomentumPluginExperiment().plan(b);
        assertEquals(4 * 3, momentum.size());
        assertEquals(12, momentum.stream().map(PlannedRun::id).distinct().count());
        PlannedRun first = momentum.get(0);
        assertEquals(RunSpec.builder().method("simclr").epochs(3).trainSubset(3000).batchSize(128).evalTrainSubset(2500)
                .evalTestSubset(1000).linearEpochs(5).seed(1).build(), first.spec());
        List<PlannedRun> collapse = new CollapseForecastExperiment().plan(new Budget(1, 1, Paths.get("/data")));
        assertEquals(6, collapse.size());
        assertEquals(0.25, collapse.get(0).spec().widthMultiplier());
        assertEquals(Paths.get("/data"), collapse.get(0).spec().data());
        List<PlannedRun> regimes = new ContinualHybridExperiment().plan(new Budget(1, 2, null));
        assertEquals(6, regimes.size());
        assertEquals(List.of("multi-epoch", "continual", "hybrid"), regimes.subList(0, 3).stream().map(r -> r.factor("regime")).toList());
        assertEquals(List.of("simsiam", "continual"), List.of(regimes.get(1).spec().method(), regimes.get(1).spec().regime()));
        List<PlannedRun> vit = new VitStabilityExperiment().plan(new Budget(1, 1, null));
        assertEquals(List.of("trainable-seed1", "frozen-seed1"), vit.stream().map(PlannedRun::id).toList());
        RunSpec frozen = vit.get(1).spec();
        assertEquals(List.of(32, 2000, 15), List.of(frozen.batchSize(), frozen.trainSubset(), frozen.epochs()));
        assertTrue(frozen.freezePatchEmbedding());
        assertFalse(vit.get(0).spec().freezePatchEmbedding());
        // a small scale caps the batch at a quarter of the images
        RunSpec small = new VitStabilityExperiment().plan(new Budget(0.04, 1, null)).get(0).spec();
        assertEquals(List.of(80, 20), List.of(small.trainSubset(), small.batchSize()));
    }
}
