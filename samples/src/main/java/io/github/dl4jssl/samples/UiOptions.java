package io.github.dl4jssl.samples;

import picocli.CommandLine.Option;

/** The training-UI options of {@code train} (a picocli mixin). */
final class UiOptions {

    /** Default port of the UI, DL4J's usual one. */
    static final int DEFAULT_PORT = 9000;

    @Option(names = "--ui", description = "Show the run in the DL4J training UI (DL4J's pages and the research monitors' page "
            + "/ssl), on 127.0.0.1; also saved to ui-stats.dl4j in the output directory (reopen with 'dl4j-ssl ui --stats FILE').")
    boolean enabled;

    @Option(names = "--ui-port", defaultValue = "" + DEFAULT_PORT,
            description = "Port of the training UI (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;
}
