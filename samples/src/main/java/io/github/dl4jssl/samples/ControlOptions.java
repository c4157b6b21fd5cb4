package io.github.dl4jssl.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dl4jssl.train.RunDirectory;
import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The fault-tolerance options of {@code train} (a picocli mixin): checkpoints every N iterations, {@code --resume} of an
 * interrupted run with its saved options ({@link TrainingRun#resuming}; a run directory of an older version, with the
 * command line in {@value TrainingRun#COMMAND_FILE}, is resumed by parsing that command line), and the policy for a
 * non-finite loss.
 */
final class ControlOptions {
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

    /** Puts these options into {@code b}. */
    RunSpec.Builder apply(RunSpec.Builder b) {
        return b.checkpointEvery(checkpointEvery).keepCheckpoints(keepCheckpoints).nanPolicy(nanPolicy)
                .maxSkippedSteps(maxSkippedSteps).plantNanAt(plantNanAt);
    }

    /** Continues {@code --resume}'s run (nothing if it has finished); returns the exit code. */
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
        if (RunDirectory.finished(resume)) {
            spec.commandLine().getOut().printf("The run in %s has finished (its report is %s): nothing to resume. Start a"
                    + " new run with another --out, or with --overwrite to replace it.%n", resume, resume.resolve(RunDirectory.REPORT));
            spec.commandLine().getOut().flush();
            return 0;
        }
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        UnaryOperator<RunSpec.Builder> changes = b -> {
            if (given.hasMatchedOption("--nan-policy")) {
                b.nanPolicy(nanPolicy);
            }
            return given.hasMatchedOption("--max-skipped-steps") ? b.maxSkippedSteps(maxSkippedSteps) : b;
        };
        Path command = resume.resolve(TrainingRun.COMMAND_FILE);
        if (!Files.exists(resume.resolve(TrainingRun.SPEC_FILE)) && Files.isRegularFile(command)) {
            TrainCommand old = new TrainCommand();
            new CommandLine(old).parseArgs(new ObjectMapper().readValue(command.toFile(), String[].class));
            TrainingRun.resuming(resume, old.runSpec(), changes).messagesTo(spec.commandLine().getErr()).run();
        } else {
            TrainingRun.resuming(resume, changes).messagesTo(spec.commandLine().getErr()).run();
        }
        return 0;
    }
}
