package io.github.dl4jssl.train;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A process killed at any moment of a checkpoint write, simulated in-process: the write is ended after each of its
 * file operations (through {@link Checkpoints#afterStep}), and within the model and state writes with the file cut
 * at a random length, as SIGKILL leaves it. After every such death a restarted store must list only complete
 * checkpoints, the newest being the one before the interrupted write or the new one, and the next write must work.
 * Fast enough for CI: {@value #ROUNDS} rounds of a death at every step of a write that also rotates out an old
 * checkpoint (56 deaths; the SIGKILL variant is {@link CheckpointKillTest}).
 */
class CheckpointCrashTest {

    /** Rounds of deaths at every step of a write: 8 x 7 steps = 56 deaths. */
    private static final int ROUNDS = 8;

    /** Thrown by the fault hook: the simulated process ends here. */
    private static final class Death extends Error {
        private static final long serialVersionUID = 1L;
    }

    @AfterEach
    void noHook() {
        Checkpoints.afterStep = step -> { };
    }

    private static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).graphBuilder().addInputs("in")
                .addLayer("fc", new DenseLayer.Builder().nIn(20).nOut(30).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(30).nOut(5)
                        .activation(Activation.IDENTITY).build(), "fc")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /** Writes the checkpoint of {@code iteration}: every parameter equal to the iteration. */
    private static Path write(Checkpoints store, ComputationGraph g, int iteration) throws IOException {
        g.params().assign(iteration);
        ResumeState s = new ResumeState();
        s.iteration = iteration;
        s.report = new RunReport();
        return store.write(g, s);
    }

    /** The checkpoint holds what the write of its iteration put there. */
    private static int check(Path checkpoint) throws Exception {
        assertNull(Checkpoints.problem(checkpoint), checkpoint.toString());
        int iteration = ResumeState.read(checkpoint.resolve(Checkpoints.STATE)).iteration;
        assertEquals(String.format("iter-%08d", iteration), checkpoint.getFileName().toString());
        ComputationGraph g = ModelSerializer.restoreComputationGraph(checkpoint.resolve(Checkpoints.MODEL).toFile(), true);
        assertEquals(iteration, g.params().minNumber().intValue(), checkpoint.toString());
        assertEquals(iteration, g.params().maxNumber().intValue(), checkpoint.toString());
        return iteration;
    }

    @Test
    void aWriteEndedAtAnyMomentLeavesOnlyCompleteCheckpoints(@TempDir Path tmp) throws Exception {
        ComputationGraph g = graph();
        List<String> steps = new ArrayList<>();
        Checkpoints.afterStep = steps::add;
        Checkpoints probe = new Checkpoints(tmp.resolve("probe"), 2);
        for (int i = 1; i <= 3; i++) {
            write(probe, g, i);
        }
        copy(tmp.resolve("probe"), tmp.resolve("probe-before"));
        steps.clear();
        write(probe, g, 4); // the steps of a write that also rotates out iteration 2
        List<String> writeSteps = List.copyOf(steps);
        assertTrue(writeSteps.containsAll(List.of("model written", "renamed", "moved to trash", "trash deleted")), writeSteps.toString());

        Random random = new Random(18);
        int deaths = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (int step = 0; step < writeSteps.size(); step++) {
                Path run = tmp.resolve("run-" + deaths);
                copy(tmp.resolve("probe-before"), run); // checkpoints of iterations 2 and 3, as before the write of 4
                Checkpoints store = new Checkpoints(run, 2);
                int dieAt = step;
                boolean cut = round > 0; // later rounds also cut the file just written at a random length
                int[] seen = {0};
                Checkpoints.afterStep = s -> {
                    if (seen[0]++ == dieAt) {
                        if (cut) {
                            cutNewest(run.resolve(Checkpoints.DIR), s, random);
                        }
                        throw new Death();
                    }
                };
                assertThrows(Death.class, () -> write(store, g, 4), "step " + writeSteps.get(dieAt));
                deaths++;
                Checkpoints.afterStep = s -> { };

                Checkpoints restarted = new Checkpoints(run, 2); // what the resumed process opens
                Checkpoints.Found found = restarted.newestReadable();
                String where = "death after '" + writeSteps.get(dieAt) + "'" + (cut ? " with the file cut" : "");
                assertEquals(List.of(), found.skipped(), where);
                assertNotNull(found.checkpoint(), where);
                int newest = check(found.checkpoint());
                assertTrue(newest == 3 || newest == 4, where + ": newest " + newest);
                for (Path p : restarted.list()) {
                    assertNull(Checkpoints.problem(p), where + ": " + p);
                }
                try (Stream<Path> s = Files.list(run.resolve(Checkpoints.DIR))) {
                    assertTrue(s.allMatch(p -> p.getFileName().toString().startsWith("iter-")), where + ": leftovers removed");
                }
                write(restarted, g, newest + 1); // the resumed run goes on
                assertEquals(newest + 1, check(restarted.newestReadable().checkpoint()), where);
                assertTrue(restarted.list().size() <= 2, where);
            }
        }
        assertEquals(ROUNDS * writeSteps.size(), deaths);
        System.out.printf("CheckpointCrashTest: %d simulated deaths at the %d steps of a checkpoint write (%s), every one"
                + " left only complete checkpoints%n", deaths, writeSteps.size(), writeSteps);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    /** Cuts the file the step just wrote (model.zip or state.json in the temporary directory) at a random length. */
    private static void cutNewest(Path dir, String step, Random random) {
        String file = step.equals("model written") ? Checkpoints.MODEL : step.equals("state written") ? Checkpoints.STATE : null;
        if (file == null) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path tmp : (Iterable<Path>) s.filter(p -> p.getFileName().toString().startsWith(".tmp-"))::iterator) {
                try (FileChannel channel = FileChannel.open(tmp.resolve(file), StandardOpenOption.WRITE)) {
                    channel.truncate(random.nextInt((int) channel.size()));
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
