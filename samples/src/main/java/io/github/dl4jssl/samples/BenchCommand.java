package io.github.dl4jssl.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.dl4jssl.samples.bench.BenchResult;
import io.github.dl4jssl.samples.bench.BenchRun;
import io.github.dl4jssl.samples.bench.MatmulCeiling;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
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
 * machine shared with other work disturbs them alike. A benchmark, not a test: it reports measured numbers.
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

    @Option(names = "--layers", split = ",", defaultValue = "native",
            description = "Convolution/BN implementations: native, dl4j or both (measured interleaved). Default: ${DEFAULT-VALUE}.")
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
        if (!data.equals("augmented") && !data.equals("fixed")) {
            throw new IllegalArgumentException("--data must be 'augmented' or 'fixed', got '" + data + "'");
        }
        List<String> methodNames = methods.size() == 1 && methods.get(0).equalsIgnoreCase("all") ? SslMethods.NAMES : methods;
        List<LayerImplementation> impls = new ArrayList<>();
        for (String l : layers) {
            impls.add(LayerImplementation.byName(l));
        }
        double ceiling = ceilingSize > 0 ? MatmulCeiling.measure(ceilingSize, 5) : Double.NaN;
        System.out.printf("backend %s, %d threads; ceiling: %dx%d float mmul %.1f GFLOP/s%n",
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"),
                Runtime.getRuntime().availableProcessors(), ceilingSize, ceilingSize, ceiling);
        System.out.println(BenchResult.tableHeader());
        List<BenchResult> results = new ArrayList<>();
        for (String method : methodNames) {
            boolean queued = method.equals("mocov1") || method.equals("mocov2");
            for (int batch : batchSizes) {
                for (int queue : queued ? queueSizes : List.of(0)) {
                    List<BenchRun> runs = new ArrayList<>();
                    for (LayerImplementation impl : impls) {
                        runs.add(new BenchRun(method, backbone, impl, batch, queued ? queue : null, data.equals("augmented")));
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
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        }
        return 0;
    }
}
