package io.github.dl4jssl.samples.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The experiments of {@code dl4j-ssl experiment NAME}, by name. */
public final class Experiments {

    private static final Map<String, Experiment> ALL = new LinkedHashMap<>();

    /** What the two collapse AUCs in the results are, for {@code results.md}. */
    static final String AUC_NOTE = "Collapse AUC: Li, Efros, Pathak 2022, Equation 2 (area under cumsum(s) / sum(s) of the "
            + "singular values s of the centred backbone features on the probe images; 1 = collapsed, about 0.5 = isotropic); "
            + "variance AUC: the same area on the squared singular values (PCA's explained variance).";

    static {
        for (Experiment e : List.of(new MomentumPluginExperiment(), new GradientStabilityExperiment(),
                new CollapseForecastExperiment(), new ContinualHybridExperiment(), new VitStabilityExperiment(),
                new LearningCurveExperiment())) {
            ALL.put(e.name(), e);
        }
        for (Experiment e : RecipeSweepExperiment.all()) {
            ALL.put(e.name(), e);
        }
    }

    private Experiments() {
    }

    public static List<String> names() { return List.copyOf(ALL.keySet()); }

    /** The experiment called {@code name}; an unknown name is an error listing the valid ones. */
    public static Experiment byName(String name) {
        Experiment e = ALL.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown experiment '" + name + "'; valid experiments: " + String.join(", ", names()));
        }
        return e;
    }
}
