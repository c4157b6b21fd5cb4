package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.TrainingRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs an experiment's planned runs one after the other through {@link TrainingRun}, each into {@code outDir/runs/<id>},
 * reusing runs that already have a {@code report.json} (so an interrupted experiment continues where it
 * stopped), then writes {@code results.md} with the experiment's summary, the machine and the wall time.
 */
public final class ExperimentRunner {

    private static final Logger log = LoggerFactory.getLogger(ExperimentRunner.class);

    private final Experiment experiment;
    private final Budget budget;
    private final Path outDir;
    private final PrintWriter err;

    public ExperimentRunner(Experiment experiment, Budget budget, Path outDir, PrintWriter err) {
        this.experiment = experiment;
        this.budget = budget;
        this.outDir = outDir;
        this.err = err;
    }

    /** Trains what is missing, summarizes, and returns the path of {@code results.md}. */
    public Path run(String commandLine) throws IOException {
        long start = System.nanoTime();
        List<PlannedRun> plan = new ArrayList<>(experiment.plan(budget));
        List<FinishedRun> finished = new ArrayList<>();
        for (List<PlannedRun> batch = plan; !batch.isEmpty(); ) {
            for (PlannedRun run : batch) {
                finished.add(runOrReuse(run, finished.size() + 1, plan.size()));
            }
            batch = experiment.followUp(budget, List.copyOf(finished));
            for (PlannedRun run : batch) {
                if (plan.stream().anyMatch(p -> p.id().equals(run.id()))) {
                    throw new IllegalStateException("experiment " + experiment.name() + " planned run " + run.id() + " twice");
                }
            }
            plan.addAll(batch);
        }
        String body = experiment.summarize(finished, outDir);
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        String md = "# Experiment `" + experiment.name() + "`\n\n" + experiment.claim() + "\n\n"
                + "Command: `" + commandLine + "` (scale " + budget.scale() + ", " + budget.seeds() + " seed(s), "
                + plan.size() + " runs). Machine: " + Machine.describe() + ". Wall time of this invocation: "
                + formatDuration(wall) + (finished.size() > 0 ? "; total training time of the runs: "
                + formatDuration(Duration.ofMillis((long) (1000 * finished.stream().mapToDouble(f -> f.report().totalSeconds).sum()))) : "")
                + ".\n\n" + body;
        Path results = outDir.resolve("results.md");
        Files.writeString(results, md);
        return results;
    }

    /** The finished run: its report if it has one already, else trained now. */
    private FinishedRun runOrReuse(PlannedRun run, int i, int planned) {
        Path dir = outDir.resolve("runs").resolve(run.id());
        log.info("[{}/{}] {}", i, planned, run.id());
        RunReport report;
        try {
            report = TrainingRun.of(run.spec().toBuilder().out(dir).build()).messagesTo(err).runOrReuse();
        } catch (Exception e) {
            // the command line prints only the message: keep the whole cause (e.g. a native op's error) in the log
            log.error("experiment {}: run {} failed", experiment.name(), run.id(), e);
            throw new IllegalStateException("experiment " + experiment.name() + ": run " + run.id() + " failed ("
                    + e.getMessage() + "); its output is in " + dir, e);
        }
        return new FinishedRun(run, report, dir);
    }

    static String formatDuration(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
