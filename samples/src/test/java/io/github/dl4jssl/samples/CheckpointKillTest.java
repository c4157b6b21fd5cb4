package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.Checkpoints;
import io.github.dl4jssl.train.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fault injection beyond a kill mid-epoch: a training process (MoCo v2, target branch and key queue, 8 iterations,
 * a checkpoint every iteration) is killed with SIGKILL while a checkpoint is being written, at a random moment
 * after its temporary directory appears, and resumed, again and again. After every kill {@code --resume} must find
 * a complete checkpoint, and every run, however often killed, must end with the weights of the uninterrupted run
 * and with monitor CSVs and report lists that cover the whole run, row for row.
 *
 * <p>Each kill costs a JVM start and a data load, so CI makes {@value #CI_KILLS} kills; {@code
 * -Dreliability.kills=50} runs the long variant (the 50 kills in a row).
 */
class CheckpointKillTest {

    static final int CI_KILLS = 3;
    private static final List<String> MOCO = List.of("train", "--method", "mocov2", "--train-subset", "32",
            "--batch-size", "8", "--epochs", "2", "--eval-train-subset", "50", "--eval-test-subset", "50",
            "--linear-epochs", "1", "--seed", "5", "--checkpoint-every", "1", "--keep-checkpoints", "2");

    @Test
    void killedWhileCheckpointingAlwaysResumesToTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        int kills = Integer.getInteger("reliability.kills", CI_KILLS);
        Path straight = tmp.resolve("straight");
        CheckpointResumeTest.run(0, MOCO, "--out", straight.toString());
        Random random = new Random(Long.getLong("reliability.seed", System.nanoTime()));
        int done = 0;
        int runs = 0;
        while (done < kills) {
            Path run = tmp.resolve("run-" + runs++);
            List<String> args = new ArrayList<>(MOCO);
            args.addAll(List.of("--out", run.toString()));
            // kill, resume, kill, ... until the run finishes; then compare and start the next run
            while (true) {
                Process child = start(args, tmp.resolve("child.log"));
                boolean killed = killWhileCheckpointing(child, run, tmp.resolve("child.log"), random);
                if (!killed) {
                    assertEquals(0, child.exitValue(), Files.readString(tmp.resolve("child.log")));
                    break;
                }
                done++;
                Checkpoints.Found found = new Checkpoints(run, 2).newestReadable();
                assertNotNull(found.checkpoint(), "kill " + done + ": no complete checkpoint");
                assertEquals(List.of(), found.skipped(), "kill " + done + ": a damaged checkpoint is listed");
                System.out.printf("CheckpointKillTest: kill %d (run %d): resuming from %s%n", done, runs, found.checkpoint().getFileName());
                args = List.of("train", "--resume", run.toString());
            }
            assertSameRun(straight, run);
            System.out.printf("CheckpointKillTest: run %d ended as the uninterrupted run%n", runs);
        }
        System.out.printf("CheckpointKillTest: %d kills while checkpointing over %d runs, every resume found a complete"
                + " checkpoint and every run ended with the uninterrupted run's weights and monitors%n", done, runs);
    }

    private static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=2G", "-cp", System.getProperty("java.class.path"),
                Dl4jSsl.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Waits until the child has written a checkpoint (so that every process makes progress, and a leftover of the
     * killed one, which it removes first, is not taken for a write) and is writing the next one, then kills it with
     * SIGKILL after a random 0-40 ms (writing a checkpoint of this model takes about that long).
     *
     * @return false when the child ended by itself first
     */
    private static boolean killWhileCheckpointing(Process child, Path run, Path log, Random random) throws Exception {
        Path dir = run.resolve(Checkpoints.DIR);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30); // a guard against a hang only
        boolean wroteOne = false;
        try {
            while (child.isAlive() && System.nanoTime() < deadline) {
                wroteOne = wroteOne || Files.readString(log).contains("checkpoint: iteration");
                if (wroteOne && writing(dir)) {
                    Thread.sleep(random.nextInt(41));
                    child.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
                    child.waitFor(30, TimeUnit.SECONDS);
                    return true;
                }
                Thread.sleep(1);
            }
            assertTrue(child.waitFor(30, TimeUnit.MINUTES), "the child neither finished nor wrote a checkpoint");
            return false;
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** True while a checkpoint is being written next to a complete one. */
    private static boolean writing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        boolean complete = false;
        boolean temporary = false;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                complete |= name.startsWith("iter-");
                temporary |= name.startsWith(".tmp-");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        return complete && temporary;
    }

    /** The killed and resumed run ended as the uninterrupted one: weights, report lists, monitor CSVs. */
    static void assertSameRun(Path straight, Path run) throws Exception {
        CheckpointResumeTest.assertSameWeights(CheckpointResumeTest.model(straight), CheckpointResumeTest.model(run));
        RunReport a = RunReport.read(straight.resolve("report.json"));
        RunReport b = RunReport.read(run.resolve("report.json"));
        assertEquals(a.knnMonitorPerEpoch, b.knnMonitorPerEpoch);
        assertEquals(a.collapseAucPerEpoch.size(), b.collapseAucPerEpoch.size(), "collapse measured over the whole run");
        assertEquals(a.projectorCollapseAucPerEpoch.size(), b.projectorCollapseAucPerEpoch.size());
        assertEquals(a.gradientFluctuation.keySet(), b.gradientFluctuation.keySet());
        for (String csv : new String[]{"knn.csv", "collapse.csv", "gradients.csv"}) {
            List<String> x = Files.readAllLines(straight.resolve(csv));
            List<String> y = Files.readAllLines(run.resolve(csv));
            assertEquals(x.size(), y.size(), csv + ": rows of the whole run, no duplicates");
            for (int i = 0; i < x.size(); i++) {
                assertSameRow(csv, x.get(i), y.get(i));
            }
        }
    }

    /** Same key columns (iteration, epoch, name), numbers within 1e-3 relative (float training is not bitwise). */
    private static void assertSameRow(String csv, String expected, String actual) {
        String[] x = expected.split(",");
        String[] y = actual.split(",");
        assertEquals(x.length, y.length, csv + ": " + expected + " vs " + actual);
        for (int c = 0; c < x.length; c++) {
            Double u = number(x[c]);
            Double v = number(y[c]);
            if (u == null || c < 2) {
                assertEquals(x[c], y[c], csv + ": " + expected + " vs " + actual);
            } else {
                assertNotNull(v, csv + ": " + actual);
                assertEquals(u, v, 1e-3 * Math.max(1, Math.abs(u)), csv + ": " + expected + " vs " + actual);
            }
        }
    }

    private static Double number(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
