package io.github.dl4jssl.samples.bench;

import java.util.List;
import java.util.Map;

/**
 * One row of the benchmark: throughput, the time of a step by phase (milliseconds per iteration: data pipeline,
 * forward, backward, update, listeners, other; see {@link StepProfiler}), the methods' listeners one by one, the
 * floating-point work ({@link FlopCounter}) and achieved GFLOP/s against the measured matrix-product ceiling
 * ({@link MatmulCeiling}), and peak memory in MiB: JVM heap, off-heap (ND4J workspaces at their peak plus
 * parameters, gradients and updater state) and the resident set of the process.
 *
 * @param forwardGflopPerImage forward pass of the layers, per input row (one view of one image)
 * @param trainingGflopPerStep one whole training step (layers and loss) of the batch
 * @param updater              the optimizer: the method's default, or the PyTorch reference's ({@code --peer-updater})
 * @param warmup               untimed steps before the timed ones (the JVM compiles during the first 20 or so:
 *                             docs/bench/warmup-s21)
 * @param stepMs               the wall time of every timed step, in order, data pipeline included
 */
public record BenchResult(String method, String backbone, String layers, int batchPairs, Integer queueSize,
                          int warmup, int iterations, long parameters, double imagesPerSecond, double msPerIteration,
                          Map<String, Double> phaseMsPerIteration, Map<String, Double> listenerMsPerIteration,
                          double forwardGflopPerImage, double trainingGflopPerStep, double achievedGflops,
                          double ceilingGflops, double ceilingRatio, double peakHeapMiB, double peakOffHeapMiB,
                          double peakResidentMiB, String updater, List<Double> stepMs) {

    /** The column titles of {@link #tableRow()}. */
    public static String tableHeader() {
        return String.format("%-20s %-14s %-6s %5s %6s %9s %8s | %6s %7s %8s %7s %6s %5s | %7s %6s | %6s %7s %6s",
                "method", "backbone", "layers", "batch", "queue", "images/s", "ms/iter",
                "data", "forward", "backward", "update", "listen", "other", "GFLOP/s", "ratio", "heapMB", "offheap", "rssMB");
    }

    /** This result as one line under {@link #tableHeader()}. */
    public String tableRow() {
        Map<String, Double> p = phaseMsPerIteration;
        return String.format("%-20s %-14s %-6s %5d %6s %9.1f %8.1f | %6.1f %7.1f %8.1f %7.1f %6.1f %5.1f | %7.2f %6.3f | %6.0f %7.0f %6.0f",
                method, backbone, layers, batchPairs, queueSize == null ? "-" : queueSize.toString(), imagesPerSecond,
                msPerIteration, p.get("data"), p.get("forward"), p.get("backward"), p.get("update"), p.get("listeners"),
                p.get("other"), achievedGflops, ceilingRatio, peakHeapMiB, peakOffHeapMiB, peakResidentMiB);
    }
}
