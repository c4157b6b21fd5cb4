package io.github.dl4jssl.samples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code dl4j-ssl} command line: self-supervised pre-training and evaluation with DL4J-SSL.
 * Run it through the {@code ./dl4j-ssl} launcher at the repository root.
 */
@Command(name = "dl4j-ssl", mixinStandardHelpOptions = true, version = "dl4j-ssl 0.1.0-SNAPSHOT",
        description = "Self-supervised visual representation learning with Deeplearning4j.",
        subcommands = {TrainCommand.class, EvalCommand.class, BenchCommand.class, UiCommand.class, ExperimentCommand.class,
                CollapseCommand.class, PretrainedCommand.class})
public final class Dl4jSsl implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'dl4j-ssl train --help'");
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args));
    }

    /** Runs the command line without exiting; returns the exit code. */
    public static int execute(String... args) { return execute(new java.io.PrintWriter(System.err, true), args); }

    /** Runs the command line without exiting, with error messages going to {@code err}. */
    public static int execute(java.io.PrintWriter err, String... args) {
        return execute(new java.io.PrintWriter(System.out, true), err, args);
    }

    /** Runs the command line without exiting, with results going to {@code out} (commands that print through picocli). */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Dl4jSsl());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                    || ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException
                    || ex instanceof io.github.dl4jssl.zoo.data.DatasetException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cli.execute(args);
    }
}
