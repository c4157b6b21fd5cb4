package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.LabelEfficiencyResult;
import io.github.dl4jssl.train.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@link LearningCurveExperiment}: the plan, and the summary of made-up reports (no training). */
class LearningCurveExperimentTest {

    @Test
    void plansEveryMethodAtEveryBudgetWithTheHundredLabelProbe() {
        List<PlannedRun> runs = new LearningCurveExperiment().plan(new Budget(0.5, 2, null));
        assertEquals(LearningCurveExperiment.METHODS.size() * LearningCurveExperiment.EPOCHS.size() * 2, runs.size());
        assertEquals(runs.size(), runs.stream().map(PlannedRun::id).distinct().count());
        for (PlannedRun r : runs) {
            assertEquals(3000, r.spec().trainSubset());
            assertEquals(List.of(100), r.spec().labelsPerClass());
            assertEquals(r.factor("method"), r.spec().method());
            assertEquals(Integer.parseInt(r.factor("epochs")), r.spec().epochs());
        }
    }

    /** A report of {@code method} after {@code epochs} epochs of 1000 images, kNN 0.60 + 0.02 per epoch. */
    private static FinishedRun run(String method, int epochs, Path dir) {
        RunReport r = new RunReport();
        r.method = method;
        r.epochs = epochs;
        r.trainImages = 1000;
        r.knnTop1 = 0.60 + 0.02 * epochs;
        r.linearTop1 = 0.70 + 0.01 * epochs;
        r.rawPixelKnnTop1 = 0.70;
        r.rawPixelLinearTop1 = 0.80;
        r.randomKnnTop1 = 0.55;
        r.randomLinearTop1 = 0.65;
        LabelEfficiencyResult few = new LabelEfficiencyResult();
        few.labelsPerClass = 100;
        few.linearTop1 = 0.65 + 0.01 * epochs;
        few.rawPixelLinearTop1 = 0.68;
        few.randomLinearTop1 = 0.60;
        few.supervisedTop1 = 0.71;
        r.labelEfficiency.add(few);
        PlannedRun plan = new PlannedRun(method + "-e" + epochs + "-seed1",
                java.util.Map.of("method", method, "epochs", Integer.toString(epochs), "seed", "1"), null);
        return new FinishedRun(plan, r, dir);
    }

    @Test
    void summaryTabulatesPlotsAndComparesTheLargestBudgetWithEachBaseline(@TempDir Path out) throws Exception {
        List<FinishedRun> runs = new ArrayList<>();
        for (String m : List.of("simclr", "byol")) {
            for (int e : List.of(1, 2, 4, 8)) {
                runs.add(run(m, e, out));
            }
        }
        String md = new LearningCurveExperiment().summarize(runs, out);
        List<String> csv = Files.readAllLines(out.resolve("learning-curve.csv"));
        assertEquals(1 + 8, csv.size(), csv.toString());
        assertTrue(csv.contains("simclr,8000,1,76.00,78.00,73.00,0"), csv.toString());
        for (String png : List.of("learning-curve-knn.png", "learning-curve-linear.png", "learning-curve-linear-100.png")) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
            assertTrue(md.contains("(" + png + ")"), md);
        }
        // at 8000 images: kNN 76 is above pixels 70 and random 55; 100-label linear 73 is above the supervised 71
        assertTrue(md.contains("simclr at 8000 images seen: kNN top-1 76.00% (above raw pixels 70.00, random weights 55.00; below none);"), md);
        assertTrue(md.contains("linear top-1, all labels 78.00% (above random weights 65.00; below raw pixels 80.00);"), md);
        assertTrue(md.contains("supervised from scratch 71.00; below none"), md);
    }

    @Test
    void aRunWithoutTheHundredLabelProbeIsAnErrorThatSaysHowToFixIt(@TempDir Path out) {
        FinishedRun r = run("simclr", 1, out);
        r.report().labelEfficiency.clear();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new LearningCurveExperiment().summarize(List.of(r), out));
        assertTrue(e.getMessage().contains("--labels-per-class 100"), e.getMessage());
    }
}
