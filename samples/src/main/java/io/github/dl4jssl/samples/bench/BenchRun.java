package io.github.dl4jssl.samples.bench;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import io.github.dl4jssl.zoo.method.SslMethod;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmarked configuration (method, backbone, layer implementation, batch size, queue size): its graph, its
 * data source and a {@link StepProfiler}; steps are driven from outside so that several runs can be interleaved.
 */
public final class BenchRun {

    /** The optimizer of the PyTorch reference's {@code throughput} command for every method: Adam, 1e-3. */
    public static final IUpdater PEER_UPDATER = new Adam(1e-3);
    private static final String PEER_UPDATER_NAME = "Adam(1e-3), no weight decay (the PyTorch reference's)";

    private final String method;
    private final String backboneName;
    private final LayerImplementation layers;
    private final int batchPairs;
    private final Integer queueSize;
    private final ComputationGraph graph;
    private final String updater;
    private final StepProfiler profiler;
    private final TwoViewIterator augmented;
    private final DataSet fixed;
    private final FlopCounter.Count macs;
    private long dataNanos;
    /** Untimed steps so far ({@link #warmUp}), and the wall time of each timed step since the last of them. */
    private int warmupSteps;
    private final List<Double> stepMs = new ArrayList<>();

    /**
     * @param augmented true: each step's batch comes from a {@link TwoViewIterator} with SimCLR's augmentations
     *                  of random images, {@link #AUGMENTED_EPOCH_BATCHES} batches per epoch (its time is the data
     *                  pipeline); false: one random batch is reused
     */
    public BenchRun(String method, String backboneName, LayerImplementation layers, int batchPairs, Integer queueSize,
                    boolean augmented) {
        this(method, backboneName, layers, batchPairs, queueSize, augmented, false);
    }

    /**
     * @param augmented   as above
     * @param peerUpdater true: every method trains with the PyTorch reference's optimizer ({@link #PEER_UPDATER}, no
     *                    weight decay) instead of its own default, so that a side-by-side comparison runs the same
     *                    update
     */
    public BenchRun(String method, String backboneName, LayerImplementation layers, int batchPairs, Integer queueSize,
                    boolean augmented, boolean peerUpdater) {
        this.method = method;
        this.updater = peerUpdater ? PEER_UPDATER_NAME : "method default";
        this.backboneName = backboneName;
        this.layers = layers;
        this.batchPairs = batchPairs;
        this.queueSize = queueSize;
        boolean colour = backboneName.toLowerCase().contains("cifar");
        int size = colour ? 32 : 28;
        Backbone backbone = Backbones.byName(backboneName, size, size, colour ? 3 : 1, layers);
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) backbone.inputType();
        SslMethod m = SslMethods.create(method, backbone, peerUpdater
                ? new SslMethods.Options(PEER_UPDATER.clone(), null, queueSize, batchPairs, 42, null, 0.0)
                : new SslMethods.Options(null, null, queueSize, batchPairs, 42));
        graph = m.init();
        profiler = new StepProfiler(m.trainingListeners(1_000_000L));
        graph.setListeners(profiler);
        macs = FlopCounter.count(graph.getConfiguration(), 2L * batchPairs, in);
        Nd4j.getRandom().setSeed(1);
        if (augmented) {
            LabelledImages images = LabelledImages.unlabelled(Nd4j.rand(DataType.FLOAT,
                    (long) AUGMENTED_EPOCH_BATCHES * batchPairs, in.getChannels(), in.getHeight(), in.getWidth()));
            this.augmented = TwoViewIterator.builder(images).batchSize(batchPairs)
                    .pipeline(colour ? AugmentationPipeline.simclrColor(size) : AugmentationPipeline.simclrGrayscale(size))
                    .seed(42).build();
            this.fixed = null;
        } else {
            this.augmented = null;
            this.fixed = new DataSet(Nd4j.rand(DataType.FLOAT, 2L * batchPairs, in.getChannels(), in.getHeight(), in.getWidth()),
                    Nd4j.zeros(DataType.FLOAT, 2L * batchPairs, 1));
        }
    }

    /**
     * Batches per epoch of {@code --data augmented}'s random images. The iterator's workers augment batches ahead of
     * training within an epoch, as in a training run (the default run's epochs have 93 batches); with one batch per
     * epoch, as until session 23, every step waited for its batch to be augmented after the reset that started its
     * epoch (about 30 ms of a 215 ms SimCLR step).
     */
    static final int AUGMENTED_EPOCH_BATCHES = 16;

    private DataSet nextBatch() {
        if (fixed != null) {
            return fixed;
        }
        if (!augmented.hasNext()) {
            augmented.reset();
        }
        return augmented.next();
    }

    /** Untimed steps; then all times and memory peaks start from zero. */
    public void warmUp(int iterations) {
        for (int i = 0; i < iterations; i++) {
            graph.fit(nextBatch());
        }
        warmupSteps += iterations;
        profiler.reset();
        dataNanos = 0;
        stepMs.clear();
    }

    /** One timed step: the data pipeline's batch, then {@code graph.fit(batch)}. */
    public void timedStep() {
        long t0 = System.nanoTime();
        DataSet batch = nextBatch();
        long t1 = System.nanoTime();
        profiler.stepStarted();
        graph.fit(batch);
        profiler.stepFinished();
        long t2 = System.nanoTime();
        dataNanos += t1 - t0;
        stepMs.add((t2 - t0) / 1e6);
    }

    /** The measurement so far; {@code ceilingGflops} may be NaN (not measured). */
    public BenchResult result(double ceilingGflops) {
        int steps = stepMs.size();
        if (steps == 0) {
            throw new IllegalStateException("no timed step yet");
        }
        double seconds = stepMs.stream().mapToDouble(Double::doubleValue).sum() / 1000;
        long images = 2L * batchPairs * steps;
        Map<String, Double> phaseMs = new LinkedHashMap<>();
        phaseMs.put("data", dataNanos / 1e6 / steps);
        profiler.phaseSeconds().forEach((k, v) -> phaseMs.put(k, v * 1000 / steps));
        Map<String, Double> listenerMs = new LinkedHashMap<>();
        profiler.listenerSeconds().forEach((k, v) -> listenerMs.put(k, v * 1000 / steps));
        double trainingGflop = macs.trainingMacs(2L * batchPairs) * 2 / 1e9;
        double achieved = trainingGflop * steps / seconds;
        return new BenchResult(method, backboneName, layers.id(), batchPairs, queueSize, warmupSteps, steps, graph.numParams(),
                images / seconds, seconds * 1000 / steps, phaseMs, listenerMs,
                2.0 * macs.forwardMacsPerRow() / 1e9, trainingGflop, achieved, ceilingGflops, achieved / ceilingGflops,
                profiler.peakHeapBytes() / 1048576.0, (profiler.peakWorkspaceBytes() + parameterStateBytes()) / 1048576.0,
                profiler.peakPhysicalBytes() / 1048576.0, updater, List.copyOf(stepMs));
    }

    /** Off-heap bytes of the parameters, their gradients and the updater state (flat arrays outside workspaces). */
    private long parameterStateBytes() {
        long bytes = graph.params().length() * graph.params().dataType().width();
        if (graph.getFlattenedGradients() != null) {
            bytes += graph.getFlattenedGradients().length() * graph.getFlattenedGradients().dataType().width();
        }
        if (graph.getUpdater() != null && graph.getUpdater().getStateViewArray() != null) {
            bytes += graph.getUpdater().getStateViewArray().length() * graph.getUpdater().getStateViewArray().dataType().width();
        }
        return bytes;
    }

    /**
     * Every vertex's forward and backward time on this run's batch ({@link LayerTimes}); call after the timed steps,
     * since the training-mode passes move batch-norm running statistics.
     */
    public java.util.List<LayerTimes.Row> layerTimes(int warmup, int iterations) {
        DataSet batch = nextBatch();
        return LayerTimes.measure(graph, new org.nd4j.linalg.api.ndarray.INDArray[]{batch.getFeatures()},
                new org.nd4j.linalg.api.ndarray.INDArray[]{batch.getLabels()}, warmup, iterations, null);
    }

    /** The graph this run trains (for tests). */
    ComputationGraph graph() {
        return graph;
    }

    /** The method, backbone, layer implementation and batch of this run, as one label. */
    public String label() {
        return method + " / " + backboneName + " / " + layers.id() + " / batch " + batchPairs
                + (queueSize == null ? "" : " / queue " + queueSize);
    }

    /** Lets go of the graph's memory. */
    public void close() {
        graph.clear();
        System.gc();
    }
}
