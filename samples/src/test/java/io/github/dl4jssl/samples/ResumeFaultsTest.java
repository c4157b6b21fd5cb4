package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.TrainingRun;
import io.github.dl4jssl.train.Checkpoints;
import io.github.dl4jssl.train.ResumeState;
import io.github.dl4jssl.train.RunReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static io.github.dl4jssl.samples.CheckpointResumeTest.run;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Faults around checkpoints and divergence: a damaged newest checkpoint is skipped, naming the file and the reason;
 * a loss that explodes without turning NaN stops the run with the last good checkpoint kept; {@code --nan-policy
 * skip} counts the skipped steps, through a resume, and stops a run that skips too many or a whole epoch; a
 * checkpoint of another method than the saved command is refused.
 */
class ResumeFaultsTest {

    private static final List<String> TINY = RunDirectoryTest.TINY;
    private static final List<String> CHECKPOINTED = java.util.stream.Stream.concat(TINY.stream(),
            java.util.stream.Stream.of("--checkpoint-every", "2")).toList();

    private static void cut(Path file) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedNamingItAndWhy(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        // a NaN at iteration 5 stops the run after the checkpoints of iterations 2 and 4 (the end of epoch 1)
        Path run = tmp.resolve("run");
        String err = run(2, CHECKPOINTED, "--plant-nan-at", "5", "--out", run.toString());
        assertTrue(err.contains("iter-00000004"), err);
        Path newest = run.resolve(Checkpoints.DIR).resolve("iter-00000004");
        cut(newest.resolve(Checkpoints.MODEL));
        String problem = Checkpoints.problem(newest);
        assertTrue(problem != null && problem.contains(newest.resolve(Checkpoints.MODEL).toString())
                && problem.contains("damaged"), problem);

        err = run(0, List.of("train", "--resume", run.toString(), "--nan-policy", "skip"));
        assertTrue(err.contains("skipping the damaged checkpoint " + newest.resolve(Checkpoints.MODEL)), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        Path aside = run.resolve(Checkpoints.DIR).resolve(Checkpoints.DAMAGED + "iter-00000004");
        assertTrue(err.contains("kept as [" + aside + "]") && Files.isRegularFile(aside.resolve(Checkpoints.MODEL)),
                "the damaged checkpoint is kept aside, out of the rotation: " + err);
        assertEquals(List.of(), new Checkpoints(run, 3).newestReadable().skipped(), "the resumed run's checkpoints are all complete");
        RunReport resumed = RunReport.read(run.resolve("report.json"));
        assertEquals(1, resumed.skippedSteps, "the report counts the step skipped after the resume");

        Path straight = tmp.resolve("straight");
        run(0, TINY, "--plant-nan-at", "5", "--nan-policy", "skip", "--out", straight.toString());
        CheckpointResumeTest.assertSameWeights(CheckpointResumeTest.model(straight), CheckpointResumeTest.model(run));
        assertEquals(1, RunReport.read(straight.resolve("report.json")).skippedSteps);
        assertEquals(Files.readAllLines(straight.resolve("knn.csv")).size(), Files.readAllLines(run.resolve("knn.csv")).size());
    }

    @Test
    void aLossThatExplodesWithoutNanStopsKeepingTheLastGoodCheckpoint(@TempDir Path run) throws Exception {
        TestData.requireFashionMnist();
        String err = run(2, TINY, "--lr", "1e6", "--checkpoint-every", "1", "--keep-checkpoints", "2",
                "--out", run.toString());
        assertTrue(err.contains("training diverged") && err.contains("1000 x the first loss"), err);
        assertTrue(err.contains("the last good checkpoint is") && err.contains("--lr"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertFalse(Files.exists(run.resolve("report.json")), "a diverged run has no report");
        Checkpoints.Found found = new Checkpoints(run, 2).newestReadable();
        assertNotNull(found.checkpoint());
        assertTrue(err.contains(found.checkpoint().toString()), "the message names the newest checkpoint: " + err);
        ResumeState state = ResumeState.read(found.checkpoint().resolve(Checkpoints.STATE));
        ComputationGraph good = ModelSerializer.restoreComputationGraph(found.checkpoint().resolve(Checkpoints.MODEL).toFile(), true);
        assertFalse(good.params().isNaN().any() || good.params().isInfinite().any());
        assertNotNull(state.firstLoss, "the divergence reference goes into the checkpoint");
        int diverged = Integer.parseInt(err.replaceAll("(?s).*at iteration (\\d+) \\(epoch.*", "$1"));
        assertEquals(diverged, state.iteration, "the newest checkpoint is the one before the diverged step");

        // the saved spec names another method than the checkpoint: two runs' files, refused
        Path command = run.resolve(TrainingRun.SPEC_FILE);
        Files.writeString(command, Files.readString(command).replace("simclr", "byol"));
        err = run(2, List.of("train", "--resume", run.toString()));
        assertTrue(err.contains("holds a simclr run") && err.contains("starts byol"), err);
    }

    @Test
    void skippedStepsAreCountedAndLimited(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        Path run = tmp.resolve("a");
        String err = run(2, CHECKPOINTED, "--nan-policy", "skip", "--plant-nan-at", "1,2,3", "--out", run.toString());
        assertTrue(err.contains("2 training steps had a NaN or infinite loss and were skipped (the last at iteration 2)")
                && err.contains("more than the 1 allowed (--max-skipped-steps)"), err);
        assertFalse(err.contains("null"), err);
        ResumeState first = ResumeState.read(run.resolve(Checkpoints.DIR).resolve("iter-00000002").resolve(Checkpoints.STATE));
        assertEquals(1, first.report.skippedSteps, "the checkpoint after one skipped step counts it");

        run = tmp.resolve("b");
        err = run(2, CHECKPOINTED, "--nan-policy", "skip", "--max-skipped-steps", "8", "--plant-nan-at", "0,1,2,3",
                "--out", run.toString());
        assertTrue(err.contains("every step of epoch 1 had a NaN or infinite loss and was skipped (4 in the run)"), err);
        assertFalse(err.contains("null"), err);
    }
}
