package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.TrainingUi;
import io.github.dl4jssl.ui.LoopbackUiServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ui --stats FILE} on files that are not a saved run, and a UI port in use: named errors (exit 2, no stack
 * trace), the file left as it was, and {@code train --ui} on a port in use refused before anything is written.
 */
class UiInputsTest {

    private static String refused(String... args) {
        String err = Cli.run(2, args);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        return err;
    }

    @Test
    void statsFilesThatHoldNoRun(@TempDir Path tmp) throws Exception {
        Path empty = Files.createFile(tmp.resolve("empty.dl4j"));
        assertTrue(refused("ui", "--stats", empty.toString()).contains("is empty"));

        Path zip = Files.write(tmp.resolve("model.zip"), new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0});
        String err = refused("ui", "--stats", zip.toString());
        assertTrue(err.contains("is not a DL4J stats file") && err.contains("zip"), err);

        Path fresh = tmp.resolve("fresh.dl4j"); // what a train --ui that stopped before its first iteration leaves
        new FileStatsStorage(fresh.toFile()).close();
        err = refused("ui", "--stats", fresh.toString());
        assertTrue(err.contains("holds no training session"), err);

        byte[] whole = Files.readAllBytes(fresh);
        Path truncated = Files.write(tmp.resolve("truncated.dl4j"), Arrays.copyOf(whole, 1000));
        err = refused("ui", "--stats", truncated.toString());
        assertTrue(err.contains("truncated or corrupt") && err.contains("truncated.dl4j"), err);
        assertEquals(1000, Files.size(truncated), "the file is left as it was");
        for (String e : new String[] {empty.toString(), zip.toString()}) {
            assertTrue(Files.exists(Path.of(e)));
        }
        assertEquals(8, Files.size(zip));
    }

    @Test
    void portInUseNamesTheCommandsOwnOption(@TempDir Path tmp) throws Exception {
        LoopbackUiServer.stopQuietly(); // a UI server left by another test would be reused whatever the port
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName(LoopbackUiServer.HOST))) {
            int port = busy.getLocalPort();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TrainingUi.startServer("--port", port));
            assertTrue(e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("with --port")
                    && !e.getMessage().contains("--ui-port"), e.getMessage());

            Path out = tmp.resolve("run");
            String err = refused("train", "--ui", "--ui-port", String.valueOf(port), "--dataset", "folder",
                    "--data", tmp.resolve("no-such-folder").toString(), "--out", out.toString());
            assertTrue(err.contains("with --ui-port") && !err.contains("no-such-folder"), err);
            assertFalse(Files.exists(out), "no run directory, so no empty stats file: " + err);
        }
    }
}
