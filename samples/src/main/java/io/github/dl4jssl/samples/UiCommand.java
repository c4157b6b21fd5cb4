package io.github.dl4jssl.samples;

import io.github.dl4jssl.ui.LoopbackUiServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code dl4j-ssl ui --stats FILE}: shows a saved run ({@code ui-stats.dl4j} of {@code train --ui}) in the DL4J training UI. */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = "Open a saved run (ui-stats.dl4j of 'train --ui') in the DL4J training UI on 127.0.0.1; Ctrl-C stops it.")
public final class UiCommand implements Callable<Integer> {

    @Option(names = "--stats", required = true, description = "The FileStatsStorage file, e.g. runs/<timestamp>/ui-stats.dl4j.")
    Path stats;

    @Option(names = "--port", defaultValue = "" + UiOptions.DEFAULT_PORT, description = "Port (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Override
    public Integer call() throws Exception {
        UIServer server = open(stats, port);
        System.out.printf("DL4J training UI: %s (research monitors), http://%s:%d/train (DL4J's pages); Ctrl-C stops it%n",
                LoopbackUiServer.monitorsPage(server), LoopbackUiServer.HOST, server.getPort());
        new CountDownLatch(1).await();
        return 0;
    }

    /** Starts the UI server and attaches the saved storage. */
    static UIServer open(Path stats, int port) {
        if (!Files.isRegularFile(stats)) {
            throw new IllegalArgumentException("no stats file " + stats + "; give the ui-stats.dl4j that 'train --ui' wrote "
                    + "in its output directory");
        }
        return LoopbackUiServer.startAndAttach(port, new FileStatsStorage(stats.toFile()));
    }
}
