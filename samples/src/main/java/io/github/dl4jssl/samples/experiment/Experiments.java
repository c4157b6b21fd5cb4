package io.github.dl4jssl.samples.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The experiments of {@code dl4j-ssl experiment NAME}, by name. */
public final class Experiments {

    private static final Map<String, Experiment> ALL = new LinkedHashMap<>();

    static {
        for (Experiment e : List.of(new MomentumPluginExperiment(), new GradientStabilityExperiment(),
                new CollapseForecastExperiment(), new ContinualHybridExperiment(), new VitStabilityExperiment())) {
            ALL.put(e.name(), e);
        }
    }

    private Experiments() {
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /** The experiment called {@code name}; an unknown name is an error listing the valid ones. */
    public static Experiment byName(String name) {
        Experiment e = ALL.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown experiment '" + name + "'; valid experiments: " + String.join(", ", names()));
        }
        return e;
    }
}
