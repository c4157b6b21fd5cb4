package io.github.dl4jssl.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethod;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
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
 * {@code dl4j-ssl bench}: training throughput of methods on synthetic two-view batches, and the time spent
 * in the methods' own listeners (EMA target update, key queue); with {@code --pipeline}, the throughput of the
 * augmentation pipeline alone for each number of worker threads; with {@code --monitors}, the overhead of the
 * research monitors ({@link MonitorBench}). A benchmark, not a test: it reports measured numbers.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training images/s of methods and the time of their listeners (EMA, queue).")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--methods", split = ",", defaultValue = "simclr,simclr-ema,simclr-ema-projector",
            description = "Comma-separated methods. Default: ${DEFAULT-VALUE}.")
    List<String> methods;

    @Option(names = "--backbone", defaultValue = "small-cnn", description = "small-cnn (28x28x1) or resnet18-cifar (32x32x3). Default: ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = "--batch-size", defaultValue = "256", description = "Images per batch (two views each). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--iterations", defaultValue = "10", description = "Timed iterations per method. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed iterations first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--out", description = "Also write the results as JSON to this file.")
    Path out;

    @Option(names = "--pipeline", description = "Measure the augmentation pipeline alone (no network): images/s per number of --workers.")
    boolean pipeline;

    @Option(names = "--workers", split = ",", defaultValue = "0,1,2",
            description = "--pipeline: augmentation worker threads to measure. Default: ${DEFAULT-VALUE}.")
    List<Integer> workers;

    @Option(names = "--dataset", description = "--pipeline: augment this data set (see train --dataset; default: random images of the backbone's input size).")
    String dataset;

    @Option(names = "--data", description = "--pipeline: directory of --dataset.")
    Path data;

    @Option(names = "--monitors", description = "Measure the research monitors' overhead instead: epochs with and without "
            + "them (interleaved) for the first of --methods.")
    boolean monitors;

    @Option(names = "--epoch-iterations", defaultValue = "" + TrainCommand.DEFAULT_EPOCH_ITERATIONS,
            description = "With --monitors: iterations per epoch. Default: ${DEFAULT-VALUE} (train's default: 6,000 images / batch 128).")
    int epochIterations;

    @Option(names = "--repeats", defaultValue = "3", description = "With --monitors: pairs of epochs. Default: ${DEFAULT-VALUE}.")
    int repeats;

    /** One method's measurement. */
    public record Result(String method, String backbone, int batchSize, long parameters, double imagesPerSecond,
                         double msPerIteration, Map<String, Double> listenerMsPerIteration) {
    }

    @Override
    public Integer call() throws Exception {
        if (iterations < 1 || warmup < 0 || batchSize < 2) {
            throw new IllegalArgumentException("need --iterations >= 1, --warmup >= 0 and --batch-size >= 2");
        }
        if (pipeline) {
            return benchPipeline();
        }
        boolean colour = backbone.toLowerCase().contains("cifar");
        Backbone net = Backbones.byName(backbone, colour ? 32 : 28, colour ? 32 : 28, colour ? 3 : 1);
        if (monitors) {
            return monitorOverhead(net);
        }
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) net.inputType();
        Nd4j.getRandom().setSeed(1);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 2L * batchSize, in.getChannels(), in.getHeight(), in.getWidth()),
                Nd4j.zeros(DataType.FLOAT, 2L * batchSize, 1));
        List<Result> results = new ArrayList<>();
        System.out.printf("%-22s %-15s %6s %10s %12s %10s  %s%n", "method", "backbone", "batch", "params", "images/s", "ms/iter", "listener ms/iter");
        for (String name : methods) {
            SslMethod method = SslMethods.create(name, net, new SslMethods.Options(null, null, 4096, batchSize, 42));
            ComputationGraph graph = method.init();
            List<TimedListener> timed = new ArrayList<>();
            for (TrainingListener l : method.trainingListeners((long) warmup + iterations)) {
                timed.add(new TimedListener(l));
            }
            graph.setListeners(new ArrayList<TrainingListener>(timed));
            for (int i = 0; i < warmup; i++) {
                graph.fit(batch);
            }
            timed.forEach(TimedListener::reset);
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                graph.fit(batch);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> listenerMs = new LinkedHashMap<>();
            for (TimedListener l : timed) {
                listenerMs.merge(l.name(), l.nanos() / 1e6 / iterations, Double::sum);
            }
            Result r = new Result(name, backbone, batchSize, graph.numParams(), iterations * 2.0 * batchSize / seconds,
                    seconds * 1000 / iterations, listenerMs);
            results.add(r);
            System.out.printf("%-22s %-15s %6d %10d %12.1f %10.1f  %s%n", r.method(), r.backbone(), r.batchSize(),
                    r.parameters(), r.imagesPerSecond(), r.msPerIteration(), format(listenerMs));
        }
        if (out != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
        }
        return 0;
    }

    private int benchPipeline() throws java.io.IOException {
        boolean colour = backbone.toLowerCase().contains("cifar");
        LabelledImages images = dataset != null
                ? Datasets.load(dataset, Datasets.Options.of(data)).train()
                : PipelineBench.synthetic(Math.max(2 * batchSize, 1024), colour ? 3 : 1, colour ? 32 : 28);
        String name = dataset != null ? dataset : "random " + images.channels() + "x" + images.height() + "x" + images.width();
        System.out.printf("augmentation pipeline alone (%s, %d processors)%n", name, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-24s %8s %6s %18s %18s%n", "data", "workers", "batch", "source images/s", "view images/s");
        List<PipelineBench.Result> results = new ArrayList<>();
        for (int w : workers) {
            PipelineBench.Result r = PipelineBench.measure(name, images, w, batchSize, iterations, warmup);
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
                methods.get(0), backbone, batchSize, epochIterations, repeats);
        System.out.printf("%5s %14s %14s %8s %12s %12s %10s%n", "pair", "img/s without", "img/s with", "ratio",
                "grad ms/it", "collapse ms", "kNN ms");
        List<MonitorBench.Pair> pairs = new MonitorBench(methods.get(0), net, batchSize, epochIterations).run(repeats);
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
            iterationMs += 2000.0 * batchSize / p.imagesPerSecondWithout() / pairs.size();
            gradientMs += p.gradientMs() / pairs.size();
            perEpochMs += (p.collapseMs() + p.knnMs()) / pairs.size();
        }
        int n = TrainCommand.DEFAULT_EPOCH_ITERATIONS;
        System.out.printf("per iteration %.0f ms without monitors, gradient monitor %.2f ms; collapse + kNN %.0f ms per epoch: "
                + "for epochs of %d iterations (train's default) the monitors add %.1f%%%n", iterationMs, gradientMs, perEpochMs, n,
                100 * (n * gradientMs + perEpochMs) / (n * iterationMs));
        if (out != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), pairs);
        }
        return 0;
    }

    private static String format(Map<String, Double> ms) {
        if (ms.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        ms.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format("%.2f", v)));
        return sb.toString();
    }
}
