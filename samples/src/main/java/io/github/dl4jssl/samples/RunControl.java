package io.github.dl4jssl.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
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
    private static final Set<String> RESUME_OPTIONS = Set.of("--resume", "--nan-policy");

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

    /** Fault injection for tests: the batch of this iteration gets a NaN pixel. */
    @Option(names = "--plant-nan-at", hidden = true)
    Integer plantNanAt;

    private ResumeState resumed;
    private Path resumedFrom;
    private Checkpointer checkpointer;

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
                    + " (only --nan-policy may be changed), or start a new run without --resume");
        }
        Path command = resume.resolve(COMMAND_FILE);
        if (!Files.isRegularFile(command)) {
            throw new IllegalArgumentException("--resume " + resume + ": no " + COMMAND_FILE + " there; give the "
                    + "directory of a run started with --checkpoint-every N");
        }
        Path checkpoint = new Checkpoints(resume, keepCheckpoints).latest().orElseThrow(() ->
                new IllegalArgumentException("--resume " + resume + ": the run wrote no checkpoint yet; start it "
                        + "again (it stopped before its first --checkpoint-every iterations)"));
        String[] args = new ObjectMapper().readValue(command.toFile(), String[].class);
        TrainCommand again = new TrainCommand();
        new CommandLine(again).parseArgs(args);
        again.out = resume;
        RunControl c = again.control;
        c.resumed = ResumeState.read(checkpoint.resolve(Checkpoints.STATE));
        c.resumedFrom = checkpoint;
        if (spec.commandLine().getParseResult().hasMatchedOption("--nan-policy")) {
            c.nanPolicy = nanPolicy;
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
        if (new Checkpoints(runDir, keepCheckpoints).latest().isPresent()) {
            throw new IllegalArgumentException("the output directory " + runDir + " holds checkpoints of another run; "
                    + "continue it with --resume " + runDir + " or choose another --out");
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
    }

    /** A new graph, or the one of the checkpoint the run resumes from. */
    ComputationGraph initGraph(SslMethod method) throws IOException {
        if (!isResuming()) {
            return method.init();
        }
        return ModelSerializer.restoreComputationGraph(resumedFrom.resolve(Checkpoints.MODEL).toFile(), true);
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
     * The run's listeners behind the NaN guard, then the checkpoint writer: a skipped step is hidden from the
     * former, but it consumed a batch and the guard has already undone it when the writer sees it.
     */
    List<TrainingListener> guard(List<TrainingListener> listeners, Path runDir, int batchesPerEpoch, RunReport report,
                                 TrainCommand.LossRecorder losses) throws IOException {
        List<TrainingListener> all = new ArrayList<>(List.of(new NanGuard(policy(), listeners)));
        if (checkpointEvery != null) {
            checkpointer = new Checkpointer(new Checkpoints(runDir, keepCheckpoints), checkpointEvery, batchesPerEpoch,
                    report, losses, resumed);
            all.add(checkpointer);
        }
        return all;
    }

    /** {@code graph.fit(views)}; a non-finite loss under policy stop ends the run with what to do next. */
    void fit(ComputationGraph graph, TwoViewIterator views) {
        try {
            graph.fit(views);
        } catch (NonFiniteLossException e) {
            Path last = checkpointer != null && checkpointer.last() != null ? checkpointer.last() : resumedFrom;
            throw new IllegalStateException(e.getMessage() + "; " + (last == null
                    ? "no checkpoint was written (use --checkpoint-every N to keep one)"
                    : "the last good checkpoint is " + last + ": continue with ./dl4j-ssl train --resume "
                    + last.getParent().getParent() + " --nan-policy skip")
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

    /** Sets one pixel of the batch trained at {@code iteration} to NaN (a fault for tests). */
    private static void plantNan(TwoViewIterator views, int iteration) {
        views.setPreProcessor(ds -> {
            int[] p = views.position(); // after next(): the batch index just taken is p[1] - 1
            if ((long) p[0] * views.batchesPerEpoch() + p[1] - 1 == iteration) {
                ds.getFeatures().putScalar(0, Double.NaN);
            }
        });
    }
}
