package com.example.consumer;

import io.github.dl4jssl.train.BackboneEvaluation;
import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.TrainingRun;
import io.github.dl4jssl.zoo.data.Datasets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a Java user of ssl-train writes to pre-train, monitor, checkpoint and evaluate (the README's "Use it from Java"):
 * a tiny BYOL run on 256 Fashion-MNIST images, checkpointed every 8 steps, then the report's evaluation, and the
 * saved backbone evaluated again in one call of {@link BackboneEvaluation}.
 */
class TrainingRunFromJavaTest {

    @Test
    void aJavaProgramTrainsMonitorsCheckpointsAndEvaluates(@TempDir Path dir) throws Exception {
        boolean data = Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist"));
        assertTrue(data || !Boolean.getBoolean("require.data"), "Fashion-MNIST is missing, and -Drequire.data=true requires it");
        Assumptions.assumeTrue(data, "Fashion-MNIST is not installed: skipped (with -Drequire.data=true it fails instead)");
        // --- the README's dozen lines ---
        RunSpec spec = RunSpec.builder()
                .method("byol").backbone("small-cnn").widthMultiplier(0.25)
                .trainSubset(256).batchSize(32).epochs(1).seed(7)
                .evalTrainSubset(500).evalTestSubset(200).linearEpochs(2)
                .checkpointEvery(4).keepCheckpoints(2)
                .out(dir.resolve("byol-run"))
                .build();
        RunReport report = TrainingRun.of(spec).run();
        System.out.printf("kNN top-1 %.3f (random weights %.3f), linear top-1 %.3f%n",
                report.knnTop1, report.randomKnnTop1, report.linearTop1);
        // --- checks ---
        assertEquals(1, report.lossPerEpoch.size());
        assertTrue(Double.isFinite(report.lossPerEpoch.get(0)));
        assertTrue(report.knnTop1 > 0.1 && report.linearTop1 > 0.1, "better than chance on 10 classes");
        assertEquals(2, report.knnMonitorPerEpoch.size(), "the kNN monitor before and after the epoch");
        assertFalse(report.collapseAucPerEpoch.isEmpty(), "the collapse monitor measured");
        Path run = dir.resolve("byol-run");
        assertTrue(Files.isRegularFile(run.resolve("report.json")) && Files.isRegularFile(run.resolve("backbone.zip")));
        assertTrue(Files.isDirectory(run.resolve("checkpoints")), "checkpoints were written");
        assertEquals(report.knnTop1, TrainingRun.resume(run).knnTop1, "a finished run resumes to its report");
        // --- the README's evaluation of a saved backbone ---
        Datasets.Split fashion = Datasets.load("fashion-mnist", Datasets.Options.of(null));
        RunReport eval = BackboneEvaluation.builder().evalTrainSubset(500).evalTestSubset(200).linearEpochs(2).seed(7)
                .build().evaluate(run, fashion);           // kNN, linear probe, random weights, raw pixels
        assertEquals(report.knnTop1, eval.knnTop1, "the run's own evaluation, under the same protocol");
        assertEquals(report.rawPixelKnnTop1, eval.rawPixelKnnTop1);
        assertTrue(eval.randomKnnTop1 > 0.1 && eval.randomLinearTop1 > 0.1, "the random-weight baseline measured");
    }
}
