package io.github.dl4jssl.ui;

import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import io.github.dl4jssl.listeners.monitor.KnnMonitor;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MonitorStatsPublisherTest {

    private static List<MonitorRecord> records(InMemoryStatsStorage storage, String session, MonitorRecord.Kind kind) {
        List<MonitorRecord> out = new ArrayList<>();
        for (Persistable p : storage.getAllUpdatesAfter(session, MonitorRecord.TYPE_ID, "ssl-monitors", Long.MIN_VALUE)) {
            MonitorRecord r = (MonitorRecord) p;
            if (r.kind() == kind) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingLong(MonitorRecord::getTimeStamp));
        return out;
    }

    @Test
    void everyMeasurementReachesTheStorageOnceWithItsValues() {
        InMemoryStatsStorage storage = new InMemoryStatsStorage();
        TinyRun run = new TinyRun(storage, "session-a");
        run.collapse.measure(run.graph, 0, 0); // before training, outside fit: sent by publish()
        assertEquals(1, run.publisher.publish());
        assertEquals(0, run.publisher.publish(), "nothing new");
        run.fit(2);

        assertEquals(List.of("session-a"), storage.listSessionIDs());
        MonitorRecord info = (MonitorRecord) storage.getStaticInfo("session-a", MonitorRecord.TYPE_ID, "ssl-monitors");
        assertEquals("tiny run", info.subject());

        List<GradientMagnitudeMonitor.Measurement> g = run.gradients.getHistory();
        List<MonitorRecord> gr = records(storage, "session-a", MonitorRecord.Kind.GRADIENT);
        assertEquals(8, g.size(), "2 epochs x 4 iterations");
        assertEquals(g.size(), gr.size());
        for (int i = 0; i < g.size(); i++) {
            GradientMagnitudeMonitor.Measurement m = g.get(i);
            MonitorRecord r = gr.get(i);
            assertEquals(m.iteration(), r.iteration());
            for (String block : List.of("backbone", "head")) {
                assertEquals(m.blockNorms().get(block), r.values().get("norm/" + block));
                assertEquals(m.blockFluctuation().get(block), r.values().get("fluctuation/" + block));
                assertEquals(m.spikes().contains(block) ? 1.0 : 0.0, r.values().get("spike/" + block));
            }
        }

        List<CollapseMonitor.Record> c = run.collapse.getHistory();
        List<MonitorRecord> cr = records(storage, "session-a", MonitorRecord.Kind.COLLAPSE);
        assertEquals(3, c.size(), "before training + 2 epochs");
        assertEquals(c.size(), cr.size());
        for (int i = 0; i < c.size(); i++) {
            assertEquals(c.get(i).iteration(), cr.get(i).iteration());
            assertEquals("backbone_fc2", cr.get(i).subject());
            assertEquals(c.get(i).metrics().collapseAuc(), cr.get(i).values().get("collapseAuc"));
            assertEquals(c.get(i).metrics().varianceAuc(), cr.get(i).values().get("varianceAuc"));
            assertEquals(c.get(i).metrics().samples(), cr.get(i).values().get("samples"));
            assertEquals(c.get(i).metrics().rankMe(), cr.get(i).values().get("rankme"));
            assertArrayEquals(c.get(i).metrics().singularValues(), cr.get(i).vector());
        }

        List<KnnMonitor.Record> k = run.knn.getHistory();
        List<MonitorRecord> kr = records(storage, "session-a", MonitorRecord.Kind.KNN);
        assertEquals(2, k.size());
        assertEquals(k.size(), kr.size());
        for (int i = 0; i < k.size(); i++) {
            assertEquals(Map.of("top1", k.get(i).top1()), kr.get(i).values());
            assertEquals(k.get(i).iteration(), kr.get(i).iteration());
        }

        List<Persistable> all = storage.getAllUpdatesAfter("session-a", MonitorRecord.TYPE_ID, "ssl-monitors", Long.MIN_VALUE);
        assertEquals(8 + 3 + 2, all.size(), "no record overwrote another (timestamps are unique)");
        assertEquals(all.size(), new HashSet<>(all.stream().map(Persistable::getTimeStamp).toList()).size());
    }
}
