package io.github.dl4jssl.samples;

import io.github.dl4jssl.ui.LoopbackUiServer;
import org.deeplearning4j.ui.api.UIServer;
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

    /** Fails on a port outside 0..65535, naming {@code option}. */
    static void validatePort(String option, int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException(option + " must be in 0..65535 (0 = any free port), got " + port);
        }
    }

    /**
     * Starts the loopback UI server on {@code port}; a port that cannot be bound is an error naming the address, the
     * reason and the command's own port option {@code option}.
     */
    static UIServer startServer(String option, int port) {
        validatePort(option, port);
        try {
            return LoopbackUiServer.start(port);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; choose another port with " + option
                    + ", or " + option + " 0 for any free port", e);
        }
    }

    /** Checks the port before anything is loaded. */
    void validate() {
        validatePort("--ui-port", port);
    }
}
