package io.github.dl4jssl.train;

import io.github.dl4jssl.ui.LoopbackUiServer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;

import java.nio.file.Path;
import java.util.List;

/**
 * The DL4J training UI of a {@code train --ui} run: a {@link FileStatsStorage} in the run directory
 * ({@value #STATS_FILE}) attached to DL4J's UI server on the loopback interface; DL4J's {@link StatsListener} feeds
 * its standard pages (score, parameters, system) and the research monitors feed the {@code /ssl} page
 * ({@link RunMonitors#publishTo}). The server is started ({@link #bind}) before the data is loaded and the run
 * directory created, so a port in use ends the start before any file is written.
 */
public final class TrainingUi implements AutoCloseable {
    /** Default port of the UI, DL4J's usual one. */
    public static final int DEFAULT_PORT = 9000;

    /** The stats file in the run directory. */
    public static final String STATS_FILE = "ui-stats.dl4j";
    /** DL4J's StatsListener reports every this many iterations (histograms of every parameter cost time). */
    static final int STATS_LISTENER_FREQUENCY = 10;

    private final FileStatsStorage storage;
    private final UIServer server;
    private final Path file;

    private TrainingUi(FileStatsStorage storage, UIServer server, Path file) {
        this.storage = storage;
        this.server = server;
        this.file = file;
    }

    /**
     * Starts the loopback UI server on {@code port}; a port that cannot be bound is an error naming the address, the
     * reason and the command's own port option {@code option}.
     */
    public static UIServer startServer(String option, int port) {
        SpecChecks.port(option, port);
        try {
            return LoopbackUiServer.start(port);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; choose another port with " + option
                    + ", or " + option + " 0 for any free port", e);
        }
    }

    /**
     * Attaches the run's storage to the started {@code server} and sends the monitors' measurements to it.
     *
     * @param description the session's description on the monitors' page
     */
    static TrainingUi start(UIServer server, Path outDir, RunMonitors monitors, String description) {
        Path file = outDir.resolve(STATS_FILE);
        FileStatsStorage storage = new FileStatsStorage(file.toFile());
        server.attach(storage);
        monitors.publishTo(storage, description);
        System.out.printf("DL4J training UI: %s (research monitors), %s (DL4J's pages); saved to %s%n",
                LoopbackUiServer.monitorsPage(server), "http://" + LoopbackUiServer.HOST + ":" + server.getPort() + "/train", file);
        return new TrainingUi(storage, server, file);
    }

    /** DL4J's own statistics listener, for its standard pages. */
    List<TrainingListener> listeners() {
        return List.of(new StatsListener(storage, STATS_LISTENER_FREQUENCY));
    }

    @Override
    public void close() {
        server.detach(storage);
        storage.close();
        System.out.printf("The training UI stops with this command; open the saved run again with: ./dl4j-ssl ui --stats %s%n", file);
    }
}
