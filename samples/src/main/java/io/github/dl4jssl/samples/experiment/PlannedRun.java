package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunSpec;

import java.util.Map;

/**
 * One training run an experiment plans: a directory-safe id, the values of the experiment's factors for the
 * results table (e.g. {@code method = simclr-ema, seed = 2}), and the run's spec (without its output directory,
 * which the runner sets).
 */
public record PlannedRun(String id, Map<String, String> factors, RunSpec spec) {

    public PlannedRun {
        if (!id.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("run id must be a plain file name, got '" + id + "'");
        }
        factors = Map.copyOf(factors);
    }

    /** The value of {@code factor}; an error naming the factor if the run has none. */
    public String factor(String factor) {
        String v = factors.get(factor);
        if (v == null) {
            throw new IllegalArgumentException("run " + id + " has no factor '" + factor + "' (has " + factors.keySet() + ")");
        }
        return v;
    }
}
