package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.RunSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner asks an experiment for follow-up runs until it adds none, and summarizes every run. */
class ExperimentRunnerFollowUpTest {

    /** Plans a, then b after a, then c after b; every run's report exists already, so nothing trains. */
    private static final class Staged implements Experiment {
        final List<List<String>> seen = new ArrayList<>();
        final boolean repeat;

        Staged(boolean repeat) {
            this.repeat = repeat;
        }

        @Override
        public String name() { return "staged"; }

        @Override
        public String claim() { return "test"; }

        @Override
        public List<PlannedRun> plan(Budget budget) { return List.of(run("a")); }

        @Override
        public List<PlannedRun> followUp(Budget budget, List<FinishedRun> finished) {
            seen.add(finished.stream().map(f -> f.plan().id()).toList());
            return switch (finished.size()) {
                case 1 -> List.of(run("b"));
                case 2 -> List.of(run(repeat ? "a" : "c"));
                default -> List.of();
            };
        }

        @Override
        public String summarize(List<FinishedRun> runs, Path outDir) {
            return "runs: " + runs.stream().map(r -> r.plan().id() + "=" + r.report().knnTop1).toList();
        }

        private static PlannedRun run(String id) {
            return new PlannedRun(id, Map.of(), RunSpec.builder().seed(1).build());
        }
    }

    private static void finishedRun(Path out, String id, double knn) throws Exception {
        RunReport r = new RunReport();
        r.knnTop1 = knn;
        Files.createDirectories(out.resolve("runs").resolve(id));
        r.write(out.resolve("runs").resolve(id).resolve("report.json"));
    }

    @Test
    void followUpsRunUntilNoneAreAdded(@TempDir Path out) throws Exception {
        finishedRun(out, "a", 0.1);
        finishedRun(out, "b", 0.2);
        finishedRun(out, "c", 0.3);
        Staged e = new Staged(false);
        Path results = new ExperimentRunner(e, new Budget(1, 1, null), out, new PrintWriter(new StringWriter())).run("test");
        assertEquals(List.of(List.of("a"), List.of("a", "b"), List.of("a", "b", "c")), e.seen);
        String md = Files.readString(results);
        assertTrue(md.contains("runs: [a=0.1, b=0.2, c=0.3]"), md);
        assertTrue(md.contains("3 runs"), md);
    }

    @Test
    void aRunPlannedTwiceIsAnError(@TempDir Path out) throws Exception {
        finishedRun(out, "a", 0.1);
        finishedRun(out, "b", 0.2);
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> new ExperimentRunner(new Staged(true),
                new Budget(1, 1, null), out, new PrintWriter(new StringWriter())).run("test"));
        assertTrue(ex.getMessage().contains("planned run a twice"), ex.getMessage());
    }
}
