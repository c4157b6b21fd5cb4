package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.SpecChecks;
import io.github.dl4jssl.train.TrainingUi;
import io.github.dl4jssl.ui.LoopbackUiServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code dl4j-ssl ui --stats FILE}: shows a saved run ({@code ui-stats.dl4j} of {@code train --ui}) in the DL4J training UI. */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = "Open a saved run (ui-stats.dl4j of 'train --ui') in the DL4J training UI on 127.0.0.1; Ctrl-C stops it.")
public final class UiCommand implements Callable<Integer> {

    /** The first byte of a MapDB 3 store file, which DL4J's {@link FileStatsStorage} writes. */
    static final int MAPDB_HEADER = 0x4A;

    @Option(names = "--stats", required = true, description = "The FileStatsStorage file, e.g. runs/<timestamp>/ui-stats.dl4j.")
    Path stats;

    @Option(names = "--port", defaultValue = "" + TrainingUi.DEFAULT_PORT, description = "Port (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Override
    public Integer call() throws Exception {
        UIServer server = open(stats, port);
        System.out.printf("DL4J training UI: %s (research monitors), http://%s:%d/train (DL4J's pages); Ctrl-C stops it%n",
                LoopbackUiServer.monitorsPage(server), LoopbackUiServer.HOST, server.getPort());
        new CountDownLatch(1).await();
        return 0;
    }

    /**
     * Opens the saved storage and attaches it to a started UI server. A file that is not a stats file with at least one
     * training session (empty, truncated, another kind of file) is refused with what was found, before the server starts.
     */
    static UIServer open(Path stats, int port) throws IOException {
        SpecChecks.port("--port", port);
        FileStatsStorage storage = read(stats);
        UIServer server;
        try {
            server = TrainingUi.startServer("--port", port);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
        server.attach(storage);
        return server;
    }

    private static FileStatsStorage read(Path stats) throws IOException {
        String fix = "; give the ui-stats.dl4j that 'train --ui' wrote in its output directory";
        if (!Files.isRegularFile(stats)) {
            throw new IllegalArgumentException("no stats file " + stats + fix);
        }
        int first;
        try (InputStream in = Files.newInputStream(stats)) {
            first = in.read();
        }
        if (first < 0) {
            throw new IllegalArgumentException("the stats file " + stats + " is empty" + fix);
        }
        if (first != MAPDB_HEADER) {
            throw new IllegalArgumentException(stats + " is not a DL4J stats file (it does not start with MapDB's header"
                    + (first == 'P' ? "; it looks like a zip file, e.g. a model" : "") + ")" + fix);
        }
        FileStatsStorage storage;
        try {
            storage = new FileStatsStorage(stats.toFile());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the stats file " + stats + " cannot be read: it is truncated or corrupt ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")" + fix);
        }
        if (storage.listSessionIDs().isEmpty()) {
            storage.close();
            throw new IllegalArgumentException("the stats file " + stats + " holds no training session (the run that "
                    + "wrote it stopped before its first iteration)" + fix);
        }
        return storage;
    }
}
