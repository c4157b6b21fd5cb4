package io.github.dl4jssl.samples;

import io.github.dl4jssl.samples.bench.MonitorBench;
import io.github.dl4jssl.samples.bench.PipelineBench;
import io.github.dl4jssl.train.RunMonitors;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.dl4jssl.samples.bench.BenchResult;
import io.github.dl4jssl.samples.bench.BenchRun;
import io.github.dl4jssl.samples.bench.LayerTimes;
import io.github.dl4jssl.samples.bench.MatmulCeiling;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl bench}: training throughput of the methods on a backbone, the time of a step split into data
 * pipeline, forward, backward, optimizer update and the methods' listeners, peak memory, and the achieved GFLOP/s
 * against the machine's measured matrix-product ceiling; sweeps over batch sizes, MoCo queue sizes and layer
 * implementations. Several layer implementations are measured interleaved (one step of each in turn), so that a
 * machine shared with other work disturbs them alike. With {@code --pipeline}, the throughput of the augmentation
 * pipeline alone for each number of worker threads; with {@code --monitors}, the overhead of the research monitors
 * ({@link MonitorBench}). A benchmark, not a test: it reports measured numbers.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training images/s, time split, memory and GFLOP/s of methods (table and JSON).")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--methods", split = ",", defaultValue = "simclr",
            description = "Comma-separated methods, or 'all' (${COMPLETION-CANDIDATES}). Default: ${DEFAULT-VALUE}.")
    List<String> methods;

    @Option(names = "--backbone", defaultValue = "small-cnn", description = "small-cnn (28x28x1) or resnet18-cifar (32x32x3). Default: ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = {"--batch-size", "--batch-sizes"}, split = ",", defaultValue = "256",
            description = "Image pairs per batch (two views each); several values sweep. Default: ${DEFAULT-VALUE}.")
    List<Integer> batchSizes;

    @Option(names = {"--queue-size", "--queue-sizes"}, split = ",", defaultValue = "4096",
            description = "MoCo v1/v2 queue sizes K; several values sweep (other methods ignore it). Default: ${DEFAULT-VALUE}.")
    List<Integer> queueSizes;

    @Option(names = "--layers", split = ",",
            description = "Convolution/BN implementations: fused (native, each conv + BN + ReLU block as one layer), native, dl4j, or several (measured interleaved). Default: the backend's (fused on the CPU, dl4j on CUDA).")
    List<String> layers;

    @Option(names = "--data", defaultValue = "augmented",
            description = "augmented (SimCLR augmentations of random images, timed as the data pipeline) or fixed (one batch reused). Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--iterations", defaultValue = "10", description = "Timed iterations per configuration. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed iterations first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--ceiling-size", defaultValue = "2048",
            description = "n of the n x n float matrix product that measures the GFLOP/s ceiling (0: skip). Default: ${DEFAULT-VALUE}.")
    int ceilingSize;

    @Option(names = "--out", description = "Also write the results as JSON to this file.")
    Path out;

    @Option(names = "--pipeline", description = "Measure the augmentation pipeline alone (no network): images/s per number of --workers.")
    boolean pipeline;

    @Option(names = "--workers", split = ",", defaultValue = "0,1,2",
            description = "--pipeline: augmentation worker threads to measure. Default: ${DEFAULT-VALUE}.")
    List<Integer> workers;

    @Option(names = "--pipeline-dataset", description = "--pipeline: augment this data set (see train --dataset; default: random images of the backbone's input size).")
    String pipelineDataset;

    @Option(names = "--pipeline-data", description = "--pipeline: directory of --pipeline-dataset.")
    Path pipelineData;

    @Option(names = "--monitors", description = "Measure the research monitors' overhead instead: epochs with and without "
            + "them (interleaved) for the first of --methods.")
    boolean monitors;

    @Option(names = "--epoch-iterations", defaultValue = "" + RunMonitors.DEFAULT_EPOCH_ITERATIONS,
            description = "With --monitors: iterations per epoch. Default: ${DEFAULT-VALUE} (train's default: 12,000 images / batch 128).")
    int epochIterations;

    @Option(names = "--repeats", defaultValue = "3", description = "With --monitors: pairs of epochs. Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--peer-updater", description = "Train every method with the PyTorch reference's optimizer (Adam, "
            + "learning rate 1e-3, no weight decay) instead of its own default (SimCLR and BYOL: Adam; MoCo and SimSiam: "
            + "Nesterov momentum; with weight decay), so that a side-by-side comparison runs the same update.")
    boolean peerUpdater;

    @Option(names = "--layer-times", description = "After each configuration's timed steps, also time every layer's forward "
            + "and backward pass alone on the same batch (median of --iterations after --warmup) and print where the step's time goes.")
    boolean layerTimes;

    @Override
    public Integer call() throws Exception {
        if (iterations < 1 || warmup < 0 || ceilingSize < 0) {
            throw new IllegalArgumentException("need --iterations >= 1, --warmup >= 0 and --ceiling-size >= 0");
        }
        for (int b : batchSizes) {
            if (b < 2) {
                throw new IllegalArgumentException("--batch-size must be at least 2 pairs, got " + b);
            }
        }
        if (pipeline) {
            return benchPipeline();
        }
        if (monitors) {
            boolean colour = backbone.toLowerCase().contains("cifar");
            return monitorOverhead(Backbones.byName(backbone, colour ? 32 : 28, colour ? 32 : 28, colour ? 3 : 1));
        }
        if (!data.equals("augmented") && !data.equals("fixed")) {
            throw new IllegalArgumentException("--data must be 'augmented' or 'fixed', got '" + data + "'");
        }
        List<String> methodNames = methods.size() == 1 && methods.get(0).equalsIgnoreCase("all") ? SslMethods.NAMES : methods;
        List<LayerImplementation> impls = new ArrayList<>();
        for (String l : layers != null ? layers : List.of(LayerImplementation.DEFAULT.id())) {
            impls.add(LayerImplementation.byName(l));
        }
        double ceiling = ceilingSize > 0 ? MatmulCeiling.measure(ceilingSize, 5) : Double.NaN;
        System.out.printf("backend %s, %d threads; ceiling: %dx%d float mmul %.1f GFLOP/s%n",
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"),
                Runtime.getRuntime().availableProcessors(), ceilingSize, ceilingSize, ceiling);
        System.out.println(BenchResult.tableHeader());
        List<BenchResult> results = new ArrayList<>();
        List<Map<String, Object>> layerTimeResults = new ArrayList<>();
        for (String method : methodNames) {
            boolean queued = method.equals("mocov1") || method.equals("mocov2");
            for (int batch : batchSizes) {
                for (int queue : queued ? queueSizes : List.of(0)) {
                    List<BenchRun> runs = new ArrayList<>();
                    for (LayerImplementation impl : impls) {
                        runs.add(new BenchRun(method, backbone, impl, batch, queued ? queue : null, data.equals("augmented"),
                                peerUpdater));
                    }
                    for (BenchRun r : runs) {
                        r.warmUp(warmup);
                    }
                    for (int i = 0; i < iterations; i++) {
                        for (BenchRun r : runs) { // interleaved: one step of each implementation in turn
                            r.timedStep();
                        }
                    }
                    for (BenchRun r : runs) {
                        BenchResult res = r.result(ceiling);
                        results.add(res);
                        System.out.println(res.tableRow());
                        if (layerTimes) {
                            layerTimeResults.add(printLayerTimes(r, res));
                        }
                        r.close();
                    }
                }
            }
        }
        if (out != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("backend", Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
            json.put("availableProcessors", Runtime.getRuntime().availableProcessors());
            json.put("ceilingMatrixSize", ceilingSize);
            json.put("ceilingGflops", ceiling);
            json.put("results", results);
            if (layerTimes) {
                json.put("layerTimes", layerTimeResults);
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        }
        return 0;
    }

    private Map<String, Object> printLayerTimes(BenchRun run, BenchResult result) {
        List<LayerTimes.Row> rows = run.layerTimes(warmup, iterations);
        System.out.println("layer times, " + run.label() + " (each vertex alone, median of " + iterations + "):");
        System.out.print(LayerTimes.table(rows));
        System.out.println("by type (fwd / bwd ms):");
        LayerTimes.byType(rows).forEach((type, ms) -> System.out.printf("  %-38s %8.1f %8.1f%n", type, ms[0], ms[1]));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("method", result.method());
        json.put("backbone", result.backbone());
        json.put("layers", result.layers());
        json.put("batchPairs", result.batchPairs());
        json.put("rows", rows);
        return json;
    }

    private int benchPipeline() throws java.io.IOException {
        boolean colour = backbone.toLowerCase().contains("cifar");
        LabelledImages images = pipelineDataset != null
                ? Datasets.load(pipelineDataset, Datasets.Options.of(pipelineData)).train()
                : PipelineBench.synthetic(Math.max(2 * batchSizes.get(0), 1024), colour ? 3 : 1, colour ? 32 : 28);
        String name = pipelineDataset != null ? pipelineDataset : "random " + images.channels() + "x" + images.height() + "x" + images.width();
        System.out.printf("augmentation pipeline alone (%s, %d processors)%n", name, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-24s %8s %6s %18s %18s%n", "data", "workers", "batch", "source images/s", "view images/s");
        List<PipelineBench.Result> results = new ArrayList<>();
        for (int w : workers) {
            PipelineBench.Result r = PipelineBench.measure(name, images, w, batchSizes.get(0), iterations, warmup);
            results.add(r);
            System.out.printf("%-24s %8d %6d %18.1f %18.1f%n", r.data(), r.workers(), r.batchSize(),
                    r.sourceImagesPerSecond(), r.viewImagesPerSecond());
        }
        if (out != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
        }
        return 0;
    }

    private int monitorOverhead(Backbone net) throws java.io.IOException {
        if (epochIterations < 1 || repeats < 1) {
            throw new IllegalArgumentException("need --epoch-iterations >= 1 and --repeats >= 1");
        }
        System.out.printf("monitor overhead: %s on %s, batch %d pairs, epochs of %d iterations, %d interleaved pairs%n",
                methods.get(0), backbone, batchSizes.get(0), epochIterations, repeats);
        System.out.printf("%5s %14s %14s %8s %12s %12s %10s%n", "pair", "img/s without", "img/s with", "ratio",
                "grad ms/it", "collapse ms", "kNN ms");
        List<MonitorBench.Pair> pairs = new MonitorBench(methods.get(0), net, batchSizes.get(0), epochIterations).run(repeats);
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int i = 0; i < pairs.size(); i++) {
            MonitorBench.Pair p = pairs.get(i);
            System.out.printf("%5d %14.1f %14.1f %8.3f %12.2f %12.0f %10.0f%n", i + 1, p.imagesPerSecondWithout(),
                    p.imagesPerSecondWith(), p.ratio(), p.gradientMs(), p.collapseMs(), p.knnMs());
            sum += p.ratio();
            min = Math.min(min, p.ratio());
            max = Math.max(max, p.ratio());
        }
        double mean = sum / pairs.size();
        double monitorSeconds = 0;
        double epochSeconds = 0;
        for (MonitorBench.Pair p : pairs) {
            monitorSeconds += (p.gradientMs() * epochIterations + p.collapseMs() + p.knnMs()) / 1000;
            epochSeconds += p.epochSecondsWith();
        }
        System.out.printf("with/without images/s: mean %.3f (min %.3f, max %.3f): %.1f%% slower; time inside the monitors: "
                + "%.1f%% of the epochs with them%n", mean, min, max, 100 * (1 - mean), 100 * monitorSeconds / epochSeconds);
        double iterationMs = 0;
        double gradientMs = 0;
        double perEpochMs = 0;
        for (MonitorBench.Pair p : pairs) {
            iterationMs += 2000.0 * batchSizes.get(0) / p.imagesPerSecondWithout() / pairs.size();
            gradientMs += p.gradientMs() / pairs.size();
            perEpochMs += (p.collapseMs() + p.knnMs()) / pairs.size();
        }
        int n = RunMonitors.DEFAULT_EPOCH_ITERATIONS;
        System.out.printf("per iteration %.0f ms without monitors, gradient monitor %.2f ms; collapse + kNN %.0f ms per epoch: "
                + "for epochs of %d iterations (train's default) the monitors add %.1f%%%n", iterationMs, gradientMs, perEpochMs, n,
                100 * (n * gradientMs + perEpochMs) / (n * iterationMs));
        if (out != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), pairs);
        }
        return 0;
    }
}
