package io.github.dl4jssl.ui;

import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import io.github.dl4jssl.listeners.monitor.KnnMonitor;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Sends the research monitors' measurements to a DL4J {@link StatsStorageRouter} (an {@code InMemoryStatsStorage}
 * or {@code FileStatsStorage} attached to the training UI, or a remote router) as {@link MonitorRecord}s, where
 * {@link SslMonitorsModule} shows them.
 *
 * <p>A {@code TrainingListener} placed <em>after</em> the monitors in the model's listener list: after each
 * iteration and each epoch it sends what the monitors measured since its last call (the gradient monitor's new
 * {@code Measurement}s, the collapse monitor's new records, the kNN monitor's new records). Measurements taken
 * outside {@code fit} (e.g. the collapse metrics before training, a kNN measurement between epochs) are sent by
 * {@link #publish()}. Each record of the publisher gets its own strictly increasing timestamp, since the storages
 * keep one update per (session, type, worker, timestamp).
 */
public final class MonitorStatsPublisher extends BaseTrainingListener {

    private final StatsStorageRouter router;
    private final String sessionId;
    private final String workerId;
    private final GradientMagnitudeMonitor gradients;
    private final CollapseMonitor collapse;
    private final KnnMonitor knn;
    private long lastTimestamp;
    private int lastGradientIteration = Integer.MIN_VALUE;
    private int collapseSent;
    private int knnSent;

    /**
     * @param router      where the records go
     * @param sessionId   the session (e.g. the same as DL4J's {@code StatsListener}'s, or a new UUID)
     * @param description the session's static info, shown by the UI page (e.g. "simclr / small-cnn")
     * @param gradients   the gradient monitor, or null
     * @param collapse    the collapse monitor, or null
     * @param knn         the kNN monitor, or null
     */
    public MonitorStatsPublisher(StatsStorageRouter router, String sessionId, String description,
                                 GradientMagnitudeMonitor gradients, CollapseMonitor collapse, KnnMonitor knn) {
        this.router = Objects.requireNonNull(router, "router");
        this.sessionId = sessionId != null ? sessionId : UUID.randomUUID().toString();
        this.workerId = "ssl-monitors";
        this.gradients = gradients;
        this.collapse = collapse;
        this.knn = knn;
        router.putStaticInfo(new MonitorRecord(this.sessionId, workerId, nextTimestamp(), MonitorRecord.Kind.SESSION,
                0, 0, description, Map.of(), null));
    }

    /** @return the session ID the records carry */
    public String sessionId() { return sessionId; }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        publish();
    }

    @Override
    public void onEpochEnd(Model model) {
        publish();
    }

    /**
     * Sends every measurement not sent yet.
     *
     * @return the number of records sent
     */
    public synchronized int publish() {
        List<MonitorRecord> out = new ArrayList<>();
        if (gradients != null) {
            for (GradientMagnitudeMonitor.Measurement m : gradients.getHistory()) {
                if (m.iteration() > lastGradientIteration) {
                    out.add(gradientRecord(m));
                    lastGradientIteration = m.iteration();
                }
            }
        }
        if (collapse != null) {
            List<CollapseMonitor.Record> history = collapse.getHistory();
            for (CollapseMonitor.Record r : history.subList(collapseSent, history.size())) {
                Map<String, Double> v = new LinkedHashMap<>();
                v.put("collapseAuc", r.metrics().collapseAuc());
                v.put("varianceAuc", r.metrics().varianceAuc());
                v.put("rankme", r.metrics().rankMe());
                v.put("samples", (double) r.metrics().samples());
                out.add(record(MonitorRecord.Kind.COLLAPSE, r.iteration(), r.epoch(), r.vertex(), v,
                        r.metrics().singularValues()));
            }
            collapseSent = history.size();
        }
        if (knn != null) {
            List<KnnMonitor.Record> history = knn.getHistory();
            for (KnnMonitor.Record r : history.subList(knnSent, history.size())) {
                out.add(record(MonitorRecord.Kind.KNN, r.iteration(), r.epoch(), "", Map.of("top1", r.top1()), null));
            }
            knnSent = history.size();
        }
        if (!out.isEmpty()) {
            router.putUpdate(out);
        }
        return out.size();
    }

    private MonitorRecord gradientRecord(GradientMagnitudeMonitor.Measurement m) {
        Map<String, Double> v = new LinkedHashMap<>();
        m.blockNorms().forEach((block, norm) -> v.put("norm/" + block, norm));
        m.blockFluctuation().forEach((block, f) -> v.put("fluctuation/" + block, f));
        m.blockNorms().keySet().forEach(block -> v.put("spike/" + block, m.spikes().contains(block) ? 1.0 : 0.0));
        return record(MonitorRecord.Kind.GRADIENT, m.iteration(), m.epoch(), "", v, null);
    }

    private MonitorRecord record(MonitorRecord.Kind kind, int iteration, int epoch, String subject,
                                 Map<String, Double> values, double[] vector) {
        return new MonitorRecord(sessionId, workerId, nextTimestamp(), kind, iteration, epoch, subject, values, vector);
    }

    private long nextTimestamp() {
        lastTimestamp = Math.max(System.currentTimeMillis(), lastTimestamp + 1);
        return lastTimestamp;
    }
}
