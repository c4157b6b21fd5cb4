package io.github.dl4jssl.ui;

import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chart data of one session, built from its {@link MonitorRecord}s (ordered by timestamp): what the
 * {@code /ssl/data/:sessionId} route returns as JSON. Every series is a pair of lists {@code x} (iteration) and
 * {@code y}, so the page draws each with the same code.
 *
 * <pre>
 * { "session": id, "description": "...", "records": n,
 *   "gradientNorm":        { block: {x: [...], y: [...]} },
 *   "gradientFluctuation": { block: {x, y} },            (y: std / mean over the window; null before it is defined)
 *   "gradientSpikes":      { block: [iteration, ...] },
 *   "collapseAuc":         { vertex: {x, y} },             (Li, Efros, Pathak 2022, Equation 2: singular values)
 *   "varianceAuc":         { vertex: {x, y} },             (the same area on the squared singular values)
 *   "rankMe":              { vertex: {x, y} },
 *   "spectrum":            { vertex: {first: {iteration, singularValues, explainedVariance, cumulativeVariance},
 *                                     latest: {...}} },     (explainedVariance: Equation 2's curve)
 *   "knnTop1":             { "kNN top-1": {x, y} } }
 * </pre>
 */
public final class MonitorSeries {

    private MonitorSeries() {
    }

    /**
     * @param storage   a stats storage
     * @param sessionId one of its sessions
     * @return the chart data (empty series when the session has no monitor records)
     */
    public static Map<String, Object> of(StatsStorage storage, String sessionId) {
        List<MonitorRecord> records = new ArrayList<>();
        String description = "";
        for (String worker : storage.listWorkerIDsForSessionAndType(sessionId, MonitorRecord.TYPE_ID)) {
            Persistable info = storage.getStaticInfo(sessionId, MonitorRecord.TYPE_ID, worker);
            if (info instanceof MonitorRecord r) {
                description = r.subject();
            }
            for (Persistable p : storage.getAllUpdatesAfter(sessionId, MonitorRecord.TYPE_ID, worker, Long.MIN_VALUE)) {
                if (p instanceof MonitorRecord r) {
                    records.add(r);
                }
            }
        }
        records.sort(Comparator.comparingLong(MonitorRecord::getTimeStamp));
        Map<String, Object> out = of(records);
        out.put("session", sessionId);
        out.put("description", description);
        return out;
    }

    /**
     * @param records records of one session, in the order they were measured
     * @return the chart data
     */
    public static Map<String, Object> of(List<MonitorRecord> records) {
        Map<String, Map<String, Object>> norm = new LinkedHashMap<>();
        Map<String, Map<String, Object>> fluctuation = new LinkedHashMap<>();
        Map<String, List<Integer>> spikes = new LinkedHashMap<>();
        Map<String, Map<String, Object>> auc = new LinkedHashMap<>();
        Map<String, Map<String, Object>> varianceAuc = new LinkedHashMap<>();
        Map<String, Map<String, Object>> rankMe = new LinkedHashMap<>();
        Map<String, Map<String, Object>> spectrum = new LinkedHashMap<>();
        Map<String, Map<String, Object>> knn = new LinkedHashMap<>();
        for (MonitorRecord r : records) {
            switch (r.kind()) {
                case GRADIENT -> r.values().forEach((key, value) -> {
                    int slash = key.indexOf('/');
                    String what = key.substring(0, slash);
                    String block = key.substring(slash + 1);
                    switch (what) {
                        case "norm" -> add(norm, block, r.iteration(), value);
                        case "fluctuation" -> add(fluctuation, block, r.iteration(), value);
                        case "spike" -> {
                            List<Integer> s = spikes.computeIfAbsent(block, b -> new ArrayList<>());
                            if (value > 0) {
                                s.add(r.iteration());
                            }
                        }
                        default -> { }
                    }
                });
                case COLLAPSE -> {
                    // records from before Equation 2 have only "auc", which was the variance AUC
                    if (r.values().containsKey("collapseAuc")) {
                        add(auc, r.subject(), r.iteration(), r.values().get("collapseAuc"));
                    }
                    add(varianceAuc, r.subject(), r.iteration(), r.values().getOrDefault("varianceAuc", r.values().get("auc")));
                    add(rankMe, r.subject(), r.iteration(), r.values().get("rankme"));
                    Map<String, Object> s = spectrum.computeIfAbsent(r.subject(), v -> new LinkedHashMap<>());
                    Map<String, Object> curve = new LinkedHashMap<>();
                    curve.put("iteration", r.iteration());
                    curve.put("singularValues", r.vector());
                    Double n = r.values().get("samples");
                    int m = n == null ? r.vector().length : (int) Math.min(n, r.vector().length);
                    curve.put("explainedVariance", CollapseMetrics.explainedVariance(Arrays.copyOf(r.vector(), m)));
                    curve.put("cumulativeVariance", CollapseMetrics.cumulativeExplainedVariance(r.vector()));
                    s.putIfAbsent("first", curve);
                    s.put("latest", curve);
                }
                case KNN -> add(knn, "kNN top-1", r.iteration(), r.values().get("top1"));
                default -> { }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("records", records.size());
        out.put("gradientNorm", norm);
        out.put("gradientFluctuation", fluctuation);
        out.put("gradientSpikes", spikes);
        out.put("collapseAuc", auc);
        out.put("varianceAuc", varianceAuc);
        out.put("rankMe", rankMe);
        out.put("spectrum", spectrum);
        out.put("knnTop1", knn);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void add(Map<String, Map<String, Object>> series, String name, int x, Double y) {
        Map<String, Object> s = series.computeIfAbsent(name, n -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("x", new ArrayList<Integer>());
            m.put("y", new ArrayList<Double>());
            return m;
        });
        ((List<Integer>) s.get("x")).add(x);
        // JSON has no NaN: an undefined value (e.g. the fluctuation of a one-element window) becomes null
        ((List<Double>) s.get("y")).add(y == null || !Double.isFinite(y) ? null : y);
    }
}
