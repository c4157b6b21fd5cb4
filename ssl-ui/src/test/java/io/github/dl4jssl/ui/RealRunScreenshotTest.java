package io.github.dl4jssl.ui;

import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's picture of the {@code /ssl} page ({@code docs/ui-monitors.png}), taken on demand from a real run:
 * {@code scripts/ui-screenshot.sh} trains a short SimCLR run with {@code --ui} and runs this test with
 * {@value #STATS} (the run's {@code ui-stats.dl4j}) and {@value #OUT} (the PNG). The test serves the file on the
 * loopback UI server, checks in headless Chromium that every chart of the page shows points (so the picture is never
 * of an empty or broken page), then photographs it. Without the properties it is skipped.
 */
class RealRunScreenshotTest {
    static final String STATS = "ui.screenshot.stats";
    static final String OUT = "ui.screenshot.out";
    private static final List<String> CHARTS = List.of("gradientNorm", "gradientFluctuation", "collapseAuc", "varianceAuc",
            "rankMe", "explainedVariance", "cumulativeVariance", "spectrum", "knnTop1");

    @Test
    void photographTheMonitorsPageOfARealRun(@TempDir Path dir) throws Exception {
        String stats = System.getProperty(STATS);
        Assumptions.assumeTrue(stats != null && System.getProperty(OUT) != null,
                "on demand only: scripts/ui-screenshot.sh passes -D" + STATS + "=FILE -D" + OUT + "=PNG");
        TestData.requireChromium();
        FileStatsStorage storage = new FileStatsStorage(Path.of(stats).toFile());
        UIServer server = LoopbackUiServer.startAndAttach(0, storage);
        try {
            String url = LoopbackUiServer.monitorsPage(server);
            Map<String, List<HeadlessChromium.Point>> shown = HeadlessChromium.points(
                    HeadlessChromium.dumpDom(url, dir.resolve("chromium-dom")));
            for (String chart : CHARTS) {
                assertFalse(shown.getOrDefault(chart, List.of()).isEmpty(), "the page of " + stats + " draws no points in " + chart);
            }
            Path png = Path.of(System.getProperty(OUT));
            HeadlessChromium.screenshot(url, dir.resolve("chromium-png"), png, 1280, 1800);
            assertTrue(Files.size(png) > 10_000, "a screenshot of charts, not of a blank page: " + Files.size(png) + " bytes");
            System.out.printf("wrote %s (%d bytes) of %s: %d gradient norms, %d kNN points%n", png, Files.size(png), url,
                    shown.get("gradientNorm").size(), shown.get("knnTop1").size());
        } finally {
            server.detach(storage);
            storage.close();
        }
    }
}
