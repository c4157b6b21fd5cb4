package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunLock;
import io.github.dl4jssl.train.TrainingRun;
import io.github.dl4jssl.train.Checkpoints;
import io.github.dl4jssl.train.RunDirectory;
import io.github.dl4jssl.train.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A run never writes over another run: a directory holding a run is refused without --overwrite, a finished run is
 * not resumed, eval writes its own report beside a run's, default run directories are unique, and a directory in
 * use by a live process is refused while a killed process's lock does not stick.
 */
class RunDirectoryTest {

    /** SimCLR on 32 images, batch 8: 4 iterations per epoch, 2 epochs. */
    static final List<String> TINY = List.of("train", "--method", "simclr", "--train-subset", "32",
            "--batch-size", "8", "--epochs", "2", "--eval-train-subset", "50", "--eval-test-subset", "50",
            "--linear-epochs", "1", "--seed", "4");

    /** Runs the command line, returning what it printed on standard output. */
    static String stdout(int expectedExit, List<String> args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            Cli.run(expectedExit, args.toArray(String[]::new));
        } finally {
            System.setOut(saved);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aFinishedRunIsNeitherOverwrittenNorResumedNorGivenEvalsReport(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        Path run = tmp.resolve("run");
        CheckpointResumeTest.run(0, TINY, "--checkpoint-every", "2", "--out", run.toString());
        byte[] report = Files.readAllBytes(run.resolve("report.json"));
        byte[] model = Files.readAllBytes(run.resolve("model.zip"));
        List<String> knn = Files.readAllLines(run.resolve("knn.csv"));
        List<String> gradients = Files.readAllLines(run.resolve("gradients.csv"));
        assertEquals(4, knn.size(), "header + before training + 2 epochs");

        String err = CheckpointResumeTest.run(2, TINY, "--out", run.toString());
        assertTrue(err.contains("already holds a finished run: report.json, model.zip")
                && err.contains("--overwrite") && err.contains("another --out"), err);
        err = CheckpointResumeTest.run(2, List.of("train", "--method", "byol", "--out", run.toString()));
        assertTrue(err.contains("already holds a finished run"), "with another method and no checkpoints too: " + err);

        String out = stdout(0, List.of("train", "--resume", run.toString()));
        assertTrue(out.contains("has finished") && out.contains("nothing to resume"), out);

        CheckpointResumeTest.run(0, List.of("eval", "--model", run.toString(), "--eval-train-subset", "50",
                "--eval-test-subset", "50", "--linear-epochs", "1", "--out", run.toString()));
        RunReport eval = RunReport.read(run.resolve(EvalCommand.TRAINED_RUN_REPORT));
        assertEquals(run.resolve("backbone.zip").toString(), eval.model);

        assertArrayEquals(report, Files.readAllBytes(run.resolve("report.json")), "report.json untouched");
        assertArrayEquals(model, Files.readAllBytes(run.resolve("model.zip")), "model.zip untouched");
        assertEquals(knn, Files.readAllLines(run.resolve("knn.csv")), "no rows added to knn.csv");
        assertEquals(gradients, Files.readAllLines(run.resolve("gradients.csv")), "no rows added to gradients.csv");

        CheckpointResumeTest.run(0, List.of("train", "--method", "simsiam", "--train-subset", "32", "--batch-size", "8",
                "--epochs", "1", "--eval-train-subset", "50", "--eval-test-subset", "50", "--linear-epochs", "1",
                "--out", run.toString(), "--overwrite"));
        assertEquals("simsiam", RunReport.read(run.resolve("report.json")).method);
        assertEquals(3, Files.readAllLines(run.resolve("knn.csv")).size(), "the earlier run's rows are gone: header + 2");
        assertFalse(Files.exists(run.resolve(Checkpoints.DIR)), "the earlier run's checkpoints are gone");
        assertFalse(Files.exists(run.resolve(TrainingRun.SPEC_FILE)));
        assertTrue(Files.exists(run.resolve(EvalCommand.TRAINED_RUN_REPORT)), "--overwrite deletes a run's own files only");
    }

    @Test
    void anUnfinishedRunIsPointedToResume(@TempDir Path tmp) throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve(TrainingRun.SPEC_FILE), "{}");
        String err = CheckpointResumeTest.run(2, List.of("train", "--out", run.toString()));
        assertTrue(err.contains("unfinished checkpointed run") && err.contains("--resume " + run), err);
        Path other = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(other.resolve("todo.txt"), "mine");
        err = CheckpointResumeTest.run(2, List.of("train", "--out", other.toString()));
        assertTrue(err.contains("already holds files: todo.txt"), err);
        assertEquals("mine", Files.readString(other.resolve("todo.txt")));
    }

    @Test
    void defaultRunDirectoriesAreUniqueWithinOneSecond(@TempDir Path runs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Path>> made = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                made.add(pool.submit(() -> RunDirectory.createDefault(runs)));
            }
            Set<Path> distinct = new HashSet<>();
            for (Future<Path> f : made) {
                Path dir = f.get();
                assertTrue(Files.isDirectory(dir));
                assertTrue(distinct.add(dir), "two runs got " + dir);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDirectoryInUseIsRefusedNamingTheProcess(@TempDir Path run) throws Exception {
        try (RunLock lock = RunLock.acquire(run)) {
            String err = CheckpointResumeTest.run(2, List.of("train", "--out", run.toString()));
            assertTrue(err.contains("in use by another train process (pid " + ProcessHandle.current().pid() + ")")
                    && err.contains("another --out"), err);
            Files.writeString(run.resolve(TrainingRun.SPEC_FILE), "{}");
            err = CheckpointResumeTest.run(2, List.of("train", "--resume", run.toString()));
            assertTrue(err.contains("in use by another train process"), "--resume too: " + err);
        }
        RunLock.acquire(run).close(); // released: free again
    }

    /** A process holding the lock of a directory, then killed with SIGKILL: its lock goes with it. */
    @Test
    void aKilledProcessLeavesNoStuckLock(@TempDir Path run) throws Exception {
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), run.toString())
                .redirectErrorStream(true).start();
        try {
            String line = new String(holder.getInputStream().readNBytes(7), StandardCharsets.US_ASCII);
            assertEquals("locked\n", line.substring(0, Math.min(7, line.length())));
            String err = CheckpointResumeTest.run(2, List.of("train", "--out", run.toString()));
            assertTrue(err.contains("in use by another train process (pid " + holder.pid() + ")"), err);
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        RunLock.acquire(run).close();
    }

    /** Holds the lock of the directory given as argument until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            RunLock lock = RunLock.acquire(Paths.get(args[0]));
            System.out.print("locked\n");
            System.out.flush();
            Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            lock.close();
        }
    }
}
