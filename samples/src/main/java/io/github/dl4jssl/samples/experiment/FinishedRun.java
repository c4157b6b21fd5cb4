package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunReport;

import java.nio.file.Path;

/** A planned run after training: its report and its run directory (with the monitors' CSV files). */
public record FinishedRun(PlannedRun plan, RunReport report, Path dir) {

    /** Shorthand for {@code plan().factor(name)}. */
    public String factor(String name) { return plan.factor(name); }
}
