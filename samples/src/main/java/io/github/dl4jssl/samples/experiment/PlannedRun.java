package io.github.dl4jssl.samples.experiment;

import java.util.List;
import java.util.Map;

/**
 * One training run an experiment plans: a directory-safe id, the values of the experiment's factors for the
 * results table (e.g. {@code method = simclr-ema, seed = 2}), and the arguments of {@code dl4j-ssl train}
 * (without {@code --out}, which the runner sets).
 */
public record PlannedRun(String id, Map<String, String> factors, List<String> trainArgs) {

    public PlannedRun {
        if (!id.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("run id must be a plain file name, got '" + id + "'");
        }
        factors = Map.copyOf(factors);
        trainArgs = List.copyOf(trainArgs);
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
