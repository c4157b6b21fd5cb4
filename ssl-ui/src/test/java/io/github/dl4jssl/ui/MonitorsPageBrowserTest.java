package io.github.dl4jssl.ui;

import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import io.github.dl4jssl.listeners.monitor.KnnMonitor;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real-browser test: a short training run sends its monitors to a FileStatsStorage attached to the loopback UI
 * server; headless Chromium loads the monitors' page and the charts must show exactly the points the listeners
 * measured (checked against their histories), then more points after more training (live), then the same points
 * from the saved file reopened after training.
 */
class MonitorsPageBrowserTest {

    @Test
    void chartsShowThePointsOfThisRunLiveAndFromTheSavedFile(@TempDir Path dir) throws Exception {
        TestData.requireChromium();
        File file = dir.resolve("ui-stats.dl4j").toFile();
        FileStatsStorage storage = new FileStatsStorage(file);
        String session = "browser-" + UUID.randomUUID();
        TinyRun run = new TinyRun(storage, session);
        UIServer server = LoopbackUiServer.startAndAttach(0, storage);
        String url = LoopbackUiServer.monitorsPage(server) + "?session=" + session;

        run.collapse.measure(run.graph, 0, 0);
        run.publisher.publish();
        run.fit(2);
        Map<String, List<HeadlessChromium.Point>> shown = HeadlessChromium.points(
                HeadlessChromium.dumpDom(url, dir.resolve("chromium-1")));
        assertChartsMatch(run, shown);
        assertEquals(2 * 8, shown.get("gradientNorm").size(), "2 blocks x 8 iterations");

        run.fit(1); // the server keeps running: the page shows the new measurements
        Map<String, List<HeadlessChromium.Point>> later = HeadlessChromium.points(
                HeadlessChromium.dumpDom(url, dir.resolve("chromium-2")));
        assertChartsMatch(run, later);
        assertEquals(2 * 12, later.get("gradientNorm").size());
        assertEquals(3, later.get("knnTop1").size());

        server.detach(storage);
        storage.close();
        FileStatsStorage saved = new FileStatsStorage(file);
        server.attach(saved);
        try {
            Map<String, List<HeadlessChromium.Point>> fromFile = HeadlessChromium.points(
                    HeadlessChromium.dumpDom(url, dir.resolve("chromium-3")));
            assertEquals(later, fromFile, "the saved file shows the same charts");
        } finally {
            server.detach(saved);
            saved.close();
        }
    }

    /** Every chart shows exactly the listeners' values, point by point. */
    private static void assertChartsMatch(TinyRun run, Map<String, List<HeadlessChromium.Point>> shown) {
        List<GradientMagnitudeMonitor.Measurement> g = run.gradients.getHistory();
        List<CollapseMonitor.Record> c = run.collapse.getHistory();
        List<KnnMonitor.Record> k = run.knn.getHistory();
        int i = 0;
        for (String block : List.of("backbone", "head")) {
            for (GradientMagnitudeMonitor.Measurement m : g) {
                HeadlessChromium.Point p = shown.get("gradientNorm").get(i++);
                assertEquals(block, p.series());
                assertEquals(m.iteration(), p.x());
                assertEquals(m.blockNorms().get(block), p.y(), 0.0);
            }
        }
        long definedFluctuations = g.stream().mapToLong(m -> m.blockFluctuation().values().stream()
                .filter(Double::isFinite).count()).sum();
        assertEquals(definedFluctuations, shown.get("gradientFluctuation").size());
        assertEquals(c.size(), shown.get("collapseAuc").size());
        assertEquals(c.size(), shown.get("rankMe").size());
        for (int j = 0; j < c.size(); j++) {
            assertEquals(c.get(j).metrics().collapseAuc(), shown.get("collapseAuc").get(j).y(), 0.0);
            assertEquals(c.get(j).metrics().varianceAuc(), shown.get("varianceAuc").get(j).y(), 0.0);
            assertEquals(c.get(j).metrics().rankMe(), shown.get("rankMe").get(j).y(), 0.0);
            assertEquals(c.get(j).iteration(), shown.get("rankMe").get(j).x());
        }
        double[] s = c.get(c.size() - 1).metrics().singularValues();
        List<HeadlessChromium.Point> spectrum = shown.get("spectrum");
        assertEquals(s.length, spectrum.size());
        for (int j = 0; j < s.length; j++) {
            assertEquals(s[j] / s[0], spectrum.get(j).y(), 1e-15);
        }
        assertEquals(2 * s.length, shown.get("cumulativeVariance").size(), "first and latest curve");
        double[] e = c.get(c.size() - 1).metrics().explainedVariance();
        List<HeadlessChromium.Point> explained = shown.get("explainedVariance");
        assertEquals(c.get(0).metrics().explainedVariance().length + e.length, explained.size(), "first and latest curve");
        for (int j = 0; j < e.length; j++) {
            assertEquals(e[j], explained.get(explained.size() - e.length + j).y(), 1e-15);
        }
        assertEquals(k.size(), shown.get("knnTop1").size());
        for (int j = 0; j < k.size(); j++) {
            assertEquals(k.get(j).top1(), shown.get("knnTop1").get(j).y(), 0.0);
            assertEquals(k.get(j).iteration(), shown.get("knnTop1").get(j).x());
        }
    }
}
