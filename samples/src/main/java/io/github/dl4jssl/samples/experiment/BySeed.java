package io.github.dl4jssl.samples.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One measurement of an experiment, per condition (e.g. a training regime) and seed: the shape the claims'
 * paired comparisons ({@link PairedComparison}) need, with the means and spreads the result tables show.
 */
final class BySeed {

    private final Map<String, Map<String, Double>> values = new LinkedHashMap<>();

    /** Records {@code value} for a condition and seed (conditions keep their first-seen order). */
    void put(String condition, String seed, double value) {
        values.computeIfAbsent(condition, k -> new LinkedHashMap<>()).put(seed, value);
    }

    boolean has(String condition) {
        return values.containsKey(condition);
    }

    Set<String> conditions() {
        return values.keySet();
    }

    /** @return seed -> value of a condition (empty when unknown) */
    Map<String, Double> get(String condition) {
        return values.getOrDefault(condition, Map.of());
    }

    List<Double> list(String condition) {
        return new ArrayList<>(get(condition).values());
    }

    double mean(String condition) {
        return Stats.mean(list(condition));
    }

    /** Mean ± sample standard deviation over the seeds, or the mean alone for one seed. */
    String meanStd(String condition, int decimals) {
        List<Double> v = list(condition);
        return v.size() < 2 ? Table.num(Stats.mean(v), decimals)
                : Table.num(Stats.mean(v), decimals) + " ± " + Table.num(Stats.std(v), decimals);
    }
}
