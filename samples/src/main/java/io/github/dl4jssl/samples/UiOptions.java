package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.TrainingUi;
import picocli.CommandLine.Option;

/** The training-UI options of {@code train} (a picocli mixin). */
final class UiOptions {

    @Option(names = "--ui", description = "Show the run in the DL4J training UI (DL4J's pages and the research monitors' page "
            + "/ssl), on 127.0.0.1; also saved to ui-stats.dl4j in the output directory (reopen with 'dl4j-ssl ui --stats FILE').")
    boolean enabled;

    @Option(names = "--ui-port", defaultValue = "" + TrainingUi.DEFAULT_PORT,
            description = "Port of the training UI (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    /** Puts these options into {@code b}, the port only when given. */
    RunSpec.Builder apply(RunSpec.Builder b, Given given) {
        return b.ui(enabled).uiPort(given.value("--ui-port", port));
    }
}
