package io.github.dl4jssl.samples;

import picocli.CommandLine.Model.CommandSpec;

/**
 * The options given on a command line, as {@link io.github.dl4jssl.train.RunSpec.Builder} takes them: an option's
 * value when it was given, null when picocli filled in its default (the spec then applies the same default, and
 * refuses an option that the chosen method, backbone, regime or data set would not use only when it was given).
 */
final class Given {
    private final CommandSpec spec;

    Given(CommandSpec spec) {
        this.spec = spec;
    }

    /** {@code value} if {@code option} was given, else null. */
    <T> T value(String option, T value) {
        return spec.commandLine().getParseResult().hasMatchedOption(option) ? value : null;
    }
}
