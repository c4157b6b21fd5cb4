package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.TrainingRun;
import io.github.dl4jssl.train.BaselineCache;
import io.github.dl4jssl.train.Checkpoints;
import io.github.dl4jssl.train.ResumeState;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checkpoints and faults end to end: a training process killed mid-epoch and resumed reaches the weights of
 * an uninterrupted run; a planted NaN stops the run at its iteration keeping the last good checkpoint, and
 * the resumed run skips the bad step.
 */
class CheckpointResumeTest {

    /** MoCo v2 (target branch and key queue) on 32 images, batch 8: 4 iterations per epoch, 2 epochs. */
    private static final List<String> MOCO = List.of("train", "--method", "mocov2", "--train-subset", "32",
            "--batch-size", "8", "--epochs", "2", "--eval-train-subset", "50", "--eval-test-subset", "50",
            "--linear-epochs", "1", "--seed", "5");

    static String run(int expectedExit, List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return Cli.run(expectedExit, all.toArray(String[]::new));
    }

    static ComputationGraph model(Path runDir) throws Exception {
        return ModelSerializer.restoreComputationGraph(runDir.resolve("model.zip").toFile(), true);
    }

    static void assertSameWeights(ComputationGraph expected, ComputationGraph actual) {
        assertEquals(expected.getIterationCount(), actual.getIterationCount());
        double params = Transforms.abs(expected.params().sub(actual.params())).maxNumber().doubleValue();
        double updater = Transforms.abs(expected.getUpdater().getStateViewArray()
                .sub(actual.getUpdater().getStateViewArray())).maxNumber().doubleValue();
        assertTrue(params <= 1e-5, "parameters differ by " + params);
        assertTrue(updater <= 1e-5, "updater states differ by " + updater);
    }

    @Test
    void killedProcessResumesToTheWeightsOfAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        Path killed = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=2G", "-D" + BaselineCache.PROPERTY + "=none", "-cp", System.getProperty("java.class.path"),
                Dl4jSsl.class.getName()));
        cmd.addAll(MOCO);
        cmd.addAll(List.of("--checkpoint-every", "2", "--keep-checkpoints", "2", "--out", killed.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path first = killed.resolve(Checkpoints.DIR).resolve("iter-00000002");
        ResumeState firstState = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (firstState == null && child.isAlive() && System.nanoTime() < deadline) {
                if (Files.isRegularFile(first.resolve(Checkpoints.STATE))) {
                    child.destroyForcibly(); // SIGKILL, mid-epoch: no shutdown hook, no clean-up
                    firstState = ResumeState.read(first.resolve(Checkpoints.STATE));
                }
                Thread.sleep(10);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertNotNull(firstState, "no checkpoint appeared; child log:\n" + Files.readString(tmp.resolve("child.log")));
        assertEquals(2, firstState.iteration);
        assertEquals(0, firstState.epoch);
        assertEquals(2, firstState.batchInEpoch, "the kill came mid-epoch, after batch 2 of 4");
        assertFalse(Files.exists(killed.resolve("report.json")), "the run was killed before it finished");
        assertTrue(Files.isRegularFile(killed.resolve(TrainingRun.SPEC_FILE)));

        run(0, List.of("train", "--resume", killed.toString()));
        Path straight = tmp.resolve("straight");
        run(0, MOCO, "--out", straight.toString());
        assertSameWeights(model(straight), model(killed));
        RunReport resumed = RunReport.read(killed.resolve("report.json"));
        RunReport uninterrupted = RunReport.read(straight.resolve("report.json"));
        assertEquals(uninterrupted.lossPerEpoch.size(), resumed.lossPerEpoch.size());
        for (int e = 0; e < resumed.lossPerEpoch.size(); e++) {
            assertEquals(uninterrupted.lossPerEpoch.get(e), resumed.lossPerEpoch.get(e), 1e-4, "loss of epoch " + (e + 1));
        }
        assertEquals(uninterrupted.randomKnnTop1, resumed.randomKnnTop1);
        assertEquals(uninterrupted.knnTop1, resumed.knnTop1, 1e-9);
        assertEquals(3, uninterrupted.knnMonitorPerEpoch.size());
        assertEquals(uninterrupted.knnMonitorPerEpoch, resumed.knnMonitorPerEpoch);
        File[] kept = killed.resolve(Checkpoints.DIR).toFile().listFiles();
        assertNotNull(kept);
        assertTrue(kept.length <= 2, "--keep-checkpoints 2 keeps two: " + List.of(kept));
    }

    /** simclr on 48 images, batch 8: 6 iterations, 1 epoch; NaN planted into the batch of iteration 3. */
    private static final List<String> NAN_RUN = List.of("train", "--method", "simclr", "--train-subset", "48",
            "--batch-size", "8", "--epochs", "1", "--eval-train-subset", "50", "--eval-test-subset", "50",
            "--linear-epochs", "1", "--seed", "2", "--checkpoint-every", "2", "--plant-nan-at", "3");

    @Test
    void nanLossStopsNamingTheIterationAndResumeSkipsTheStep(@TempDir Path out) throws Exception {
        TestData.requireFashionMnist();
        String err = run(2, NAN_RUN, "--out", out.toString());
        assertTrue(err.contains("loss is NaN at iteration 3"), err);
        assertTrue(err.contains("iter-00000002") && err.contains("--resume") && err.contains("--nan-policy skip"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        Checkpoints store = new Checkpoints(out, 3);
        assertEquals("iter-00000002", store.latest().orElseThrow().getFileName().toString(),
                "the last good checkpoint stays the newest");
        ResumeState s = ResumeState.read(store.latest().orElseThrow().resolve(Checkpoints.STATE));
        assertEquals(2, s.batchInEpoch);

        run(0, List.of("train", "--resume", out.toString(), "--nan-policy", "skip"));
        RunReport r = RunReport.read(out.resolve("report.json"));
        assertEquals(1, r.lossPerEpoch.size());
        assertTrue(Double.isFinite(r.lossPerEpoch.get(0)), "the skipped step is not in the loss: " + r.lossPerEpoch);
        ComputationGraph g = model(out);
        assertEquals(6, g.getIterationCount());
        // the skipped step consumed batch 3: the checkpoint after iteration 4 stands at batch 4 of 6
        ResumeState after = ResumeState.read(out.resolve(Checkpoints.DIR).resolve("iter-00000004").resolve(Checkpoints.STATE));
        assertEquals(4, after.batchInEpoch);
        assertFalse(g.params().isNaN().any());
    }

    @Test
    void resumeErrorsNameTheFix(@TempDir Path out) throws Exception {
        String err = run(2, List.of("train", "--resume", out.toString()));
        assertTrue(err.contains(TrainingRun.SPEC_FILE) && err.contains("--checkpoint-every"), err);
        err = run(2, List.of("train", "--resume", out.toString(), "--epochs", "7"));
        assertTrue(err.contains("--epochs") && err.contains("saved options"), err);
        err = run(2, List.of("train", "--checkpoint-every", "0", "--out", out.toString()));
        assertTrue(err.contains("--checkpoint-every must be at least 1"), err);
        err = run(2, List.of("train", "--nan-policy", "ignore", "--out", out.toString()));
        assertTrue(err.contains("ignore") && err.contains("stop, skip"), err);
    }
}
