package io.github.dl4jssl.ui;

import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MonitorSeriesTest {

    private static MonitorRecord gradient(long ts, int it, double norm, double fluct, boolean spike) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("norm/first layer", norm);
        v.put("fluctuation/first layer", fluct);
        v.put("spike/first layer", spike ? 1.0 : 0.0);
        return new MonitorRecord("s", "w", ts, MonitorRecord.Kind.GRADIENT, it, 0, "", v, null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void seriesPerBlockVertexAndKnnInMeasurementOrder() {
        double[] s0 = {4, 2, 1};
        double[] s1 = {3, 3, 0};
        List<MonitorRecord> records = List.of(
                gradient(1, 0, 2.5, Double.NaN, false),
                new MonitorRecord("s", "w", 2, MonitorRecord.Kind.COLLAPSE, 0, 0, "emb",
                        Map.of("collapseAuc", 0.9, "varianceAuc", 0.95, "rankme", 2.1, "samples", 2.0), s0),
                gradient(3, 1, 7.5, 0.5, true),
                new MonitorRecord("s", "w", 4, MonitorRecord.Kind.COLLAPSE, 2, 0, "emb",
                        Map.of("collapseAuc", 0.8, "varianceAuc", 0.85, "rankme", 2.5, "samples", 10.0), s1),
                new MonitorRecord("s", "w", 5, MonitorRecord.Kind.KNN, 2, 1, "", Map.of("top1", 0.75), null));
        Map<String, Object> json = MonitorSeries.of(records);
        assertEquals(5, json.get("records"));
        Map<String, Map<String, List<?>>> norm = (Map<String, Map<String, List<?>>>) json.get("gradientNorm");
        assertEquals(List.of(0, 1), norm.get("first layer").get("x"));
        assertEquals(List.of(2.5, 7.5), norm.get("first layer").get("y"));
        Map<String, Map<String, List<?>>> fl = (Map<String, Map<String, List<?>>>) json.get("gradientFluctuation");
        assertEquals(Arrays.asList(null, 0.5), fl.get("first layer").get("y"), "NaN becomes null (JSON has no NaN)");
        assertEquals(Map.of("first layer", List.of(1)), json.get("gradientSpikes"));
        Map<String, Map<String, List<?>>> auc = (Map<String, Map<String, List<?>>>) json.get("collapseAuc");
        assertEquals(List.of(0, 2), auc.get("emb").get("x"));
        assertEquals(List.of(0.9, 0.8), auc.get("emb").get("y"));
        assertEquals(List.of(0.95, 0.85), ((Map<String, Map<String, List<?>>>) json.get("varianceAuc")).get("emb").get("y"));
        assertEquals(List.of(2.1, 2.5), ((Map<String, Map<String, List<?>>>) json.get("rankMe")).get("emb").get("y"));
        Map<String, Map<String, Map<String, Object>>> spectrum = (Map<String, Map<String, Map<String, Object>>>) json.get("spectrum");
        assertArrayEquals(s0, (double[]) spectrum.get("emb").get("first").get("singularValues"));
        assertArrayEquals(s1, (double[]) spectrum.get("emb").get("latest").get("singularValues"));
        assertArrayEquals(new double[]{16.0 / 21, 20.0 / 21, 1.0}, (double[]) spectrum.get("emb").get("first").get("cumulativeVariance"), 1e-12);
        assertArrayEquals(CollapseMetrics.cumulativeExplainedVariance(s1), (double[]) spectrum.get("emb").get("latest").get("cumulativeVariance"));
        // Equation 2's curve over the min(n, d) values: n = 2 for the first record (4/6, 6/6), d = 3 for the latest
        assertArrayEquals(new double[]{4.0 / 6, 1.0}, (double[]) spectrum.get("emb").get("first").get("explainedVariance"), 1e-12);
        assertArrayEquals(new double[]{0.5, 1.0, 1.0}, (double[]) spectrum.get("emb").get("latest").get("explainedVariance"), 1e-12);
        Map<String, Map<String, List<?>>> knn = (Map<String, Map<String, List<?>>>) json.get("knnTop1");
        assertEquals(List.of(2), knn.get("kNN top-1").get("x"));
        assertEquals(List.of(0.75), knn.get("kNN top-1").get("y"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void recordsFromBeforeEquation2ShowTheirAucAsTheVarianceAuc() {
        // before the collapse AUC followed Equation 2, records had "auc" = the area under the squared-value curve
        List<MonitorRecord> records = List.of(new MonitorRecord("s", "w", 1, MonitorRecord.Kind.COLLAPSE, 3, 0, "emb",
                Map.of("auc", 0.97, "rankme", 2.0), new double[]{2, 1}));
        Map<String, Object> json = MonitorSeries.of(records);
        assertEquals(List.of(0.97), ((Map<String, Map<String, List<?>>>) json.get("varianceAuc")).get("emb").get("y"));
        assertTrue(((Map<?, ?>) json.get("collapseAuc")).isEmpty(), "an old record has no Equation 2 value");
        Map<String, Map<String, Map<String, Object>>> spectrum = (Map<String, Map<String, Map<String, Object>>>) json.get("spectrum");
        assertArrayEquals(new double[]{2.0 / 3, 1.0}, (double[]) spectrum.get("emb").get("latest").get("explainedVariance"), 1e-12);
    }
}
