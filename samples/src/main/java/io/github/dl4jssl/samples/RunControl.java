package io.github.dl4jssl.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dl4jssl.listeners.DivergenceGuard;
import io.github.dl4jssl.listeners.LossDivergedException;
import io.github.dl4jssl.listeners.NanGuard;
import io.github.dl4jssl.listeners.NonFiniteLossException;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The fault-tolerance options of {@code train} (a picocli mixin) and the glue between them and the training
 * loop: checkpoints every N iterations ({@link Checkpointer}, {@link Checkpoints}), {@code --resume} of an
 * interrupted run with its saved options, and the {@link NanGuard} policy for a non-finite loss.
 */
final class RunControl {
    private static final Logger log = LoggerFactory.getLogger(RunControl.class);
    /** The command line of a checkpointed run, saved in its run directory for {@code --resume}. */
    static final String COMMAND_FILE = "command.json";
    private static final Set<String> RESUME_OPTIONS = Set.of("--resume", "--nan-policy", "--max-skipped-steps");

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "Write a checkpoint every N iterations and at the end of each epoch (default: none).")
    Integer checkpointEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "K", defaultValue = "3",
            description = "Keep the last K checkpoints. Default: ${DEFAULT-VALUE}.")
    int keepCheckpoints;

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "Continue the interrupted run in RUN_DIR from its last checkpoint, with its original options.")
    Path resume;

    @Option(names = "--nan-policy", defaultValue = "stop", paramLabel = "stop|skip",
            description = "On a NaN or infinite loss: stop (keeping the last good checkpoint) or skip the step. Default: ${DEFAULT-VALUE}.")
    String nanPolicy;

    @Option(names = "--max-skipped-steps", paramLabel = "N",
            description = "--nan-policy skip: stop the run once more than N steps were skipped (default: 10%% of the run's steps, at least 1).")
    Integer maxSkippedSteps;

    /** Fault injection for tests: the batches of these iterations get a NaN pixel. */
    @Option(names = "--plant-nan-at", hidden = true, split = ",")
    List<Integer> plantNanAt;

    private ResumeState resumed;
    private Path resumedFrom;
    private Checkpointer checkpointer;
    private DivergenceGuard divergence;
    private SkipLimit skipLimit;

    /** True when this invocation is {@code train --resume DIR} (not yet turned into the saved command). */
    boolean resumeRequested() {
        return resume != null && resumed == null;
    }

    /** True when this run continues from a checkpoint. */
    boolean isResuming() {
        return resumed != null;
    }

    /**
     * Runs the saved command of {@code --resume}'s run directory, continuing from its newest checkpoint.
     */
    int resume() throws Exception {
        List<String> extra = new ArrayList<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            if (!RESUME_OPTIONS.contains(o.longestName())) {
                extra.add(o.longestName());
            }
        }
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException("--resume continues a run with its saved options; remove " + extra
                    + " (only --nan-policy and --max-skipped-steps may be changed), or start a new run without --resume");
        }
        if (finished()) {
            return 0;
        }
        Path command = resume.resolve(COMMAND_FILE);
        if (!Files.isRegularFile(command)) {
            throw new IllegalArgumentException("--resume " + resume + ": no " + COMMAND_FILE + " there; give the "
                    + "directory of a run started with --checkpoint-every N");
        }
        try (RunLock lock = RunLock.acquire(resume)) {
            return finished() ? 0 : resumeFrom(checkpoint()); // again: it may have finished since the check above
        }
    }

    /** True, saying so, when {@code --resume}'s run has finished: then there is nothing to do. */
    private boolean finished() {
        if (!RunDirectory.finished(resume)) {
            return false;
        }
        spec.commandLine().getOut().printf("The run in %s has finished (its report is %s): nothing to resume. Start a"
                + " new run with another --out, or with --overwrite to replace it.%n", resume, resume.resolve(RunDirectory.REPORT));
        spec.commandLine().getOut().flush();
        return true;
    }

    /** The newest checkpoint of {@code --resume}'s run that reads back completely, saying which newer ones it skips. */
    private Path checkpoint() throws IOException {
        Checkpoints store = new Checkpoints(resume, keepCheckpoints);
        Checkpoints.Found found = store.newestReadable();
        for (String skipped : found.skipped()) {
            log.warn("skipping the damaged checkpoint {}", skipped);
            spec.commandLine().getErr().println("warning: skipping the damaged checkpoint " + skipped);
        }
        if (found.checkpoint() != null) {
            List<Path> aside = store.setAside(found);
            if (!aside.isEmpty()) {
                spec.commandLine().getErr().println("warning: the damaged checkpoints are kept as " + aside
                        + "; resuming from " + found.checkpoint());
            }
            return found.checkpoint();
        }
        if (found.skipped().isEmpty()) {
            throw new IllegalArgumentException("--resume " + resume + ": the run wrote no checkpoint yet; start it again"
                    + " with --overwrite (it stopped before its first --checkpoint-every iterations)");
        }
        throw new IllegalArgumentException("--resume " + resume + ": every checkpoint is damaged (" + String.join("; ",
                found.skipped()) + "); start the run again with --overwrite");
    }

    private int resumeFrom(Path checkpoint) throws Exception {
        String[] args = new ObjectMapper().readValue(resume.resolve(COMMAND_FILE).toFile(), String[].class);
        TrainCommand again = new TrainCommand();
        new CommandLine(again).parseArgs(args);
        again.out = resume;
        RunControl c = again.control;
        c.resumed = ResumeState.read(checkpoint.resolve(Checkpoints.STATE));
        c.resumedFrom = checkpoint;
        if (c.resumed.report.method != null && !c.resumed.report.method.equals(again.method)) {
            throw new IllegalStateException("--resume " + resume + ": the checkpoint " + checkpoint + " holds a "
                    + c.resumed.report.method + " run but " + COMMAND_FILE + " starts " + again.method
                    + "; the directory mixes two runs' files: start a new run with another --out");
        }
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        if (given.hasMatchedOption("--nan-policy")) {
            c.nanPolicy = nanPolicy;
        }
        if (given.hasMatchedOption("--max-skipped-steps")) {
            c.maxSkippedSteps = maxSkippedSteps;
        }
        log.info("resuming {} from {} (iteration {}, epoch {}, batch {})", resume, checkpoint, c.resumed.iteration,
                c.resumed.epoch, c.resumed.batchInEpoch);
        return again.call();
    }

    /** Checks the options and, for a new checkpointed run, saves its command line in the run directory. */
    void start(Path runDir) throws IOException {
        validate();
        if (checkpointEvery == null || isResuming()) {
            return;
        }
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        int command = args.indexOf(spec.name()); // the parent's arguments and the command name itself
        args = new ArrayList<>(args.subList(command + 1, args.size()));
        Path tmp = runDir.resolve(COMMAND_FILE + ".tmp");
        new ObjectMapper().writeValue(tmp.toFile(), args);
        Files.move(tmp, runDir.resolve(COMMAND_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Checks these options (no file is read or written). */
    void validate() {
        policy();
        if (checkpointEvery != null && checkpointEvery < 1) {
            throw new IllegalArgumentException("--checkpoint-every must be at least 1 iteration, got " + checkpointEvery);
        }
        if (keepCheckpoints < 1) {
            throw new IllegalArgumentException("--keep-checkpoints must be at least 1, got " + keepCheckpoints);
        }
        if (maxSkippedSteps != null && maxSkippedSteps < 0) {
            throw new IllegalArgumentException("--max-skipped-steps must be at least 0, got " + maxSkippedSteps);
        }
    }

    /** A new graph, or the one of the checkpoint the run resumes from. */
    ComputationGraph initGraph(SslMethod method) throws IOException {
        if (!isResuming()) {
            return method.init();
        }
        Path model = resumedFrom.resolve(Checkpoints.MODEL);
        try {
            return ModelSerializer.restoreComputationGraph(model.toFile(), true);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot load the checkpoint " + model + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); move its directory away to resume from an older checkpoint", e);
        }
    }

    /** The report of the checkpoint (baseline and completed epochs), or a new one. */
    RunReport report() {
        return isResuming() ? resumed.report : new RunReport();
    }

    /** Seconds of training before the resume (0 for a new run). */
    double trainSecondsBefore() {
        return isResuming() ? resumed.trainSeconds : 0;
    }

    /**
     * Puts the iterator, the loss records and ND4J's random generator where the checkpoint left them, plants
     * the test fault if asked, and returns the first epoch (1-based) the training loop runs.
     */
    int position(TwoViewIterator views, TrainCommand.LossRecorder losses) {
        if (plantNanAt != null) {
            plantNan(views, plantNanAt);
        }
        if (!isResuming()) {
            return 1;
        }
        views.setPosition(resumed.epoch, resumed.batchInEpoch);
        losses.sum = resumed.epochLossSum;
        losses.count = resumed.epochLossCount;
        Nd4j.getRandom().setStates(resumed.nd4jRootState, resumed.nd4jNodeState);
        return resumed.epoch + 1;
    }

    /**
     * The divergence guard, then the run's listeners behind the NaN guard, then the skip limit and the checkpoint
     * writer: a skipped step is hidden from the wrapped listeners, but it consumed a batch and the guard has already
     * undone it when the writer sees it; a diverged step stops before any of them.
     *
     * @param totalSteps the run's steps (for the default of {@code --max-skipped-steps})
     */
    List<TrainingListener> guard(List<TrainingListener> listeners, Path runDir, int batchesPerEpoch, long totalSteps,
                                 RunReport report, TrainCommand.LossRecorder losses, RunMonitors monitors) throws IOException {
        divergence = new DivergenceGuard(DivergenceGuard.DEFAULT_FACTOR, isResuming() ? resumed.firstLoss : null);
        NanGuard nan = new NanGuard(policy(), listeners);
        skipLimit = new SkipLimit(nan, report.skippedSteps,
                maxSkippedSteps != null ? maxSkippedSteps : (int) Math.max(1, totalSteps / 10));
        List<TrainingListener> all = new ArrayList<>(List.of(divergence, nan, skipLimit));
        if (checkpointEvery != null) {
            checkpointer = new Checkpointer(new Checkpoints(runDir, keepCheckpoints), checkpointEvery, batchesPerEpoch,
                    report, losses, state -> {
                        report.skippedSteps = skipLimit.skipped();
                        state.firstLoss = divergence.firstLoss();
                        try {
                            state.monitors = monitors.state();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }, resumed);
            all.add(checkpointer);
        }
        return all;
    }

    /** Steps skipped for a non-finite loss in the whole run (after {@link #guard}). */
    int skippedSteps() {
        return skipLimit.skipped();
    }

    /** Puts the monitors where the checkpoint left them (a resumed run); nothing for a new run. */
    void restore(RunMonitors monitors) throws IOException {
        if (!isResuming()) {
            return;
        }
        if (resumed.monitors == null) {
            log.warn("the checkpoint {} holds no monitor measurements (written by an older version): the monitors' CSVs"
                    + " and plots cover the resumed part only", resumedFrom);
            return;
        }
        monitors.restore(resumed.monitors);
    }

    /**
     * {@code graph.fit(views)}; a non-finite or diverged loss under policy stop, or too many skipped steps, ends the
     * run with what to do next.
     */
    void fit(ComputationGraph graph, TwoViewIterator views) {
        try {
            graph.fit(views);
        } catch (NonFiniteLossException | LossDivergedException | SkipLimit.Exceeded e) {
            Path last = checkpointer != null && checkpointer.last() != null ? checkpointer.last() : resumedFrom;
            throw new IllegalStateException(e.getMessage() + "; " + (last == null
                    ? "no checkpoint was written (use --checkpoint-every N to keep one)"
                    : "the last good checkpoint is " + last + (e instanceof NonFiniteLossException
                    ? ": continue with ./dl4j-ssl train --resume " + last.getParent().getParent() + " --nan-policy skip" : ""))
                    + ", or lower the learning rate (--lr)", e);
        }
    }

    /** After epoch {@code epoch}'s evaluation: the epoch-end checkpoint. */
    void epochDone(ComputationGraph graph, int epoch, int epochs) {
        if (checkpointer != null) {
            checkpointer.epochDone(graph, epoch, epochs);
        }
    }

    private NanGuard.Policy policy() {
        try {
            return NanGuard.Policy.valueOf(nanPolicy.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --nan-policy '" + nanPolicy + "'; valid: stop, skip");
        }
    }

    /** Sets one pixel of the batches trained at {@code iterations} to NaN (a fault for tests). */
    private static void plantNan(TwoViewIterator views, List<Integer> iterations) {
        views.setPreProcessor(ds -> {
            int[] p = views.position(); // after next(): the batch index just taken is p[1] - 1
            if (iterations.contains(p[0] * views.batchesPerEpoch() + p[1] - 1)) {
                ds.getFeatures().putScalar(0, Double.NaN);
            }
        });
    }
}
