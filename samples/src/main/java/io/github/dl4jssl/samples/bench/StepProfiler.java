package io.github.dl4jssl.samples.bench;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The only listener of a benchmarked graph: it splits each {@code graph.fit(batch)} into phases by the times
 * DL4J calls its hooks, runs the method's own listeners (EMA target, key queue, ...) inside and times them
 * separately, and samples memory at the hooks.
 *
 * <p>Phases of one step: <b>forward</b> = from {@link #stepStarted()} to {@code onForwardPass} (input set-up and
 * the forward pass of every layer); <b>backward</b> = to {@code onGradientCalculation} (score, backpropagation,
 * regularization score); <b>update</b> = to {@code iterationDone} (gradient normalisation, the optimizer's update
 * and the parameter step); <b>listeners</b> = time inside the method's listeners at any hook; <b>other</b> = the
 * rest of {@code fit} after the listeners (constraints, counters). Memory: peak JVM heap (sum of the heap pools'
 * peak usage since {@link #reset()}), and the largest values seen at the hooks of the off-heap bytes held by
 * ND4J workspaces of the training thread (DL4J keeps activations, gradients of activations and working memory
 * there) and of {@link Pointer#physicalBytes()} (resident memory of the whole process). The parameters, gradients
 * and updater state (outside workspaces) are added by the caller.</p>
 */
public final class StepProfiler implements TrainingListener {

    /** Phase names, in the order of a step. */
    public static final List<String> PHASES = List.of("forward", "backward", "update", "listeners", "other");

    private final List<TrainingListener> delegates;
    private final Map<String, Long> listenerNanos = new LinkedHashMap<>();
    private final long[] phaseNanos = new long[PHASES.size()];
    private long mark;
    private long maxWorkspaceBytes;
    private long maxPhysicalBytes;

    public StepProfiler(List<? extends TrainingListener> delegates) {
        this.delegates = new ArrayList<>(delegates);
        reset();
    }

    /** Forgets all times and memory peaks. */
    public void reset() {
        java.util.Arrays.fill(phaseNanos, 0);
        listenerNanos.clear();
        for (TrainingListener l : delegates) {
            listenerNanos.merge(l.getClass().getSimpleName(), 0L, Long::sum);
        }
        maxWorkspaceBytes = 0;
        maxPhysicalBytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    /** Call right before {@code graph.fit(batch)}. */
    public void stepStarted() {
        mark = System.nanoTime();
    }

    /** Call right after {@code graph.fit(batch)}. */
    public void stepFinished() {
        phase(4);
        sampleMemory();
    }

    private void phase(int index) {
        long now = System.nanoTime();
        phaseNanos[index] += now - mark;
        mark = now;
    }

    private interface Hook {
        void call(TrainingListener l);
    }

    private void delegate(Hook hook) {
        for (TrainingListener l : delegates) {
            long t = System.nanoTime();
            hook.call(l);
            long dt = System.nanoTime() - t;
            listenerNanos.merge(l.getClass().getSimpleName(), dt, Long::sum);
            phaseNanos[3] += dt;
        }
        mark = System.nanoTime();
    }

    private void sampleMemory() {
        long ws = 0;
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            ws += w.getCurrentSize();
        }
        maxWorkspaceBytes = Math.max(maxWorkspaceBytes, ws);
        maxPhysicalBytes = Math.max(maxPhysicalBytes, Pointer.physicalBytes());
    }

    /** Seconds spent in each of {@link #PHASES} since {@link #reset()}. */
    public Map<String, Double> phaseSeconds() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < PHASES.size(); i++) {
            m.put(PHASES.get(i), phaseNanos[i] / 1e9);
        }
        return m;
    }

    /** Seconds spent in each method listener (by class name) since {@link #reset()}. */
    public Map<String, Double> listenerSeconds() {
        Map<String, Double> m = new LinkedHashMap<>();
        listenerNanos.forEach((k, v) -> m.put(k, v / 1e9));
        return m;
    }

    /** Peak heap use since {@link #reset()}: the sum of the heap memory pools' peaks. */
    public long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Largest total size of the training thread's ND4J workspaces seen at a hook since {@link #reset()}. */
    public long peakWorkspaceBytes() { return maxWorkspaceBytes; }

    /** Largest {@link Pointer#physicalBytes()} (process resident set) seen at a hook since {@link #reset()}. */
    public long peakPhysicalBytes() { return maxPhysicalBytes; }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        phase(0);
        sampleMemory();
        delegate(l -> l.onForwardPass(model, activations));
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        phase(0);
        sampleMemory();
        delegate(l -> l.onForwardPass(model, activations));
    }

    @Override
    public void onBackwardPass(Model model) {
        phase(1);
        sampleMemory();
        delegate(l -> l.onBackwardPass(model));
    }

    @Override
    public void onGradientCalculation(Model model) {
        phase(1);
        sampleMemory();
        delegate(l -> l.onGradientCalculation(model));
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        phase(2);
        delegate(l -> l.iterationDone(model, iteration, epoch));
    }

    @Override
    public void onEpochStart(Model model) {
        delegate(l -> l.onEpochStart(model));
    }

    @Override
    public void onEpochEnd(Model model) {
        delegate(l -> l.onEpochEnd(model));
    }
}
