package io.github.dl4jssl.train;

import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import io.github.dl4jssl.listeners.monitor.KnnMonitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The research monitors' measurements up to a checkpoint and the length of each of their CSV files then, saved in
 * the checkpoint ({@link ResumeState#monitors}): a resumed run puts the measurements back into its monitors and
 * cuts the CSVs to these lengths (dropping rows written after the checkpoint), so that the CSVs, plots and the
 * report's monitor lists cover the whole run, as an uninterrupted run's would. Gradient measurements are kept
 * without their per-layer norms, which nothing after a resume reads (the CSV keeps block norms only).
 */
public final class MonitorState {
    public List<GradientMagnitudeMonitor.Measurement> gradients = new ArrayList<>();
    public List<CollapseMonitor.Record> collapse = new ArrayList<>();
    public List<KnnMonitor.Record> knn = new ArrayList<>();
    /** CSV file name (in the run directory) to its length in bytes at the checkpoint. */
    public Map<String, Long> csvBytes = new LinkedHashMap<>();
}
