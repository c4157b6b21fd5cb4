package io.github.dl4jssl.listeners.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The monitors' {@code restore}: a monitor given the first measurements of another continues exactly as that one
 * did (sliding-window fluctuation and spikes included) and writes only its own rows to its CSV.
 */
class MonitorRestoreTest {

    /** Norms of one layer per block; the jump at step 6 is a spike (robust z of its log about 8 against the last 4). */
    private static final double[] FIRST = {1, 2, 1.5, 2, 1, 1.5, 9, 2};
    private static final double[] HEAD = {4, 4, 5, 3, 4, 4, 4, 6};

    private static GradientMagnitudeMonitor gradients(Path csv) {
        return GradientMagnitudeMonitor.builder().window(4).spikeDetection(new SpikeDetector.Config(4, 3, 5, 3, 0.05))
                .block("first layer", "backbone_conv1").block("projector", "projector_").outputCsv(csv).build();
    }

    private static void record(GradientMagnitudeMonitor m, int from, int to) {
        for (int i = from; i < to; i++) {
            m.record(i, 0, Map.of("backbone_conv1", FIRST[i], "projector_fc", HEAD[i]));
        }
    }

    @Test
    void gradientMonitorContinuesWithTheWindowsOfTheRestoredMeasurements(@TempDir Path tmp) throws Exception {
        GradientMagnitudeMonitor straight = gradients(tmp.resolve("a.csv"));
        record(straight, 0, FIRST.length);
        GradientMagnitudeMonitor resumed = gradients(tmp.resolve("b.csv"));
        resumed.restore(straight.getHistory().subList(0, 5));
        assertFalse(Files.exists(tmp.resolve("b.csv")), "restore writes no rows");
        record(resumed, 5, FIRST.length);
        assertEquals(straight.getHistory(), resumed.getHistory());
        assertTrue(straight.getHistory().get(6).spikes().contains("first layer"), "step 6 is a spike in both");
        List<String> a = Files.readAllLines(tmp.resolve("a.csv"));
        List<String> b = Files.readAllLines(tmp.resolve("b.csv"));
        int perStep = 4; // 2 blocks and 2 layers
        assertEquals(1 + perStep * 8, a.size());
        assertEquals(a.get(0), b.get(0), "header");
        assertEquals(a.subList(1 + perStep * 5, a.size()), b.subList(1, b.size()),
                "the rows of steps 5-7, as the uninterrupted run wrote them");
        assertEquals(straight.windowStats("first layer").fluctuation(), resumed.windowStats("first layer").fluctuation(), 0.0);
        assertEquals(straight.spikeIterations(), resumed.spikeIterations(), "the spikes of the whole run, replayed");
    }

    @Test
    void collapseAndKnnMonitorsTakeBackTheirRecords(@TempDir Path tmp) {
        CollapseMonitor collapse = CollapseMonitor.builder().probe(Nd4j.zeros(DataType.FLOAT, 2, 3)).vertices("v")
                .collapseThreshold(0.9).outputCsv(tmp.resolve("c.csv")).build();
        CollapseMonitor.Record collapsed = new CollapseMonitor.Record(4, 1, "v",
                new CollapseMetrics.Result(new double[]{1, 0}, new double[]{1, 1}, new double[]{1, 1}, 0.95, 0.95, 1.0, 8, false));
        collapse.restore(List.of(collapsed));
        assertEquals(List.of(collapsed), collapse.getHistory());
        assertTrue(collapse.isCollapsed("v"), "the collapsed state of the last record (AUC 0.95 >= 0.9)");
        assertFalse(Files.exists(tmp.resolve("c.csv")));

        KnnMonitor knn = KnnMonitor.builder().vertex("v").bank(Nd4j.zeros(DataType.FLOAT, 2, 3), new int[]{0, 1})
                .query(Nd4j.zeros(DataType.FLOAT, 1, 3), new int[]{1}).outputCsv(tmp.resolve("k.csv")).build();
        List<KnnMonitor.Record> records = List.of(new KnnMonitor.Record(0, 0, 0.1), new KnnMonitor.Record(4, 1, 0.3));
        knn.restore(records);
        assertEquals(records, knn.getHistory());
        assertFalse(Files.exists(tmp.resolve("k.csv")));
    }
}
