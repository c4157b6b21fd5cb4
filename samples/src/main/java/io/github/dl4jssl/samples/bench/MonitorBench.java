package io.github.dl4jssl.samples.bench;

import io.github.dl4jssl.train.RunMonitors;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethod;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The overhead of the research monitors on training speed ({@code bench --monitors}): epochs of {@code E}
 * iterations on a synthetic batch, alternately without and with the monitors of a {@code train} run at their
 * default frequencies ({@link RunMonitors}: gradient norms every iteration, collapse metrics on 1,000 probe images
 * every epoch, kNN with {@code RunMonitors.MONITOR_BANK} + {@code MONITOR_TEST} images after every epoch), the kNN measurement counted in the
 * epoch's time as in {@code train}. Interleaving the runs exposes both to the same load; the result is the ratio of
 * images/s per pair, and the time spent in each monitor (so that the overhead of other epoch lengths follows).
 *
 * @param method          the method measured, e.g. {@code simclr}
 * @param backbone        its backbone
 * @param batchSize       image pairs per batch
 * @param epochIterations iterations per epoch
 */
public record MonitorBench(String method, Backbone backbone, int batchSize, int epochIterations) {

    /** One pair of runs. */
    public record Pair(double imagesPerSecondWithout, double imagesPerSecondWith, double gradientMs, double collapseMs,
                double knnMs, double epochSecondsWith) {
        public double ratio() { return imagesPerSecondWith / imagesPerSecondWithout; }
    }

    /** Runs {@code repeats} pairs (the order within a pair alternates) after one short untimed warm-up. */
    public List<Pair> run(int repeats) throws IOException {
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) backbone.inputType();
        Nd4j.getRandom().setSeed(1);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 2L * batchSize, in.getChannels(), in.getHeight(), in.getWidth()),
                Nd4j.zeros(DataType.FLOAT, 2L * batchSize, 1));
        LabelledImages bank = randomLabelled(RunMonitors.MONITOR_BANK, in, 11);
        LabelledImages queries = randomLabelled(RunMonitors.MONITOR_TEST, in, 12);
        INDArray probe = randomLabelled(RunMonitors.COLLAPSE_PROBE, in, 13).features();
        Path tmp = Files.createTempDirectory("monitor-bench");
        epoch(batch, Math.min(2, epochIterations), null, null, null, tmp); // warm-up
        List<Pair> pairs = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            double without;
            double[] with;
            if (r % 2 == 0) {
                without = epoch(batch, epochIterations, null, null, null, tmp)[0];
                with = epoch(batch, epochIterations, probe, bank, queries, tmp);
            } else {
                with = epoch(batch, epochIterations, probe, bank, queries, tmp);
                without = epoch(batch, epochIterations, null, null, null, tmp)[0];
            }
            pairs.add(new Pair(without, with[0], with[1], with[2], with[3], with[4]));
        }
        return pairs;
    }

    /** @return {images/s, gradient ms/iteration, collapse ms/epoch, kNN ms/epoch, epoch seconds} */
    private double[] epoch(DataSet batch, int iterations, INDArray probe, LabelledImages bank, LabelledImages queries,
                           Path tmp) {
        SslMethod ssl = SslMethods.create(method, backbone, new SslMethods.Options(null, null, 4096, batchSize, 42));
        ComputationGraph graph = ssl.init();
        List<TimedListener> timed = new ArrayList<>();
        for (TrainingListener l : ssl.trainingListeners(iterations)) {
            timed.add(new TimedListener(l));
        }
        RunMonitors monitors = null;
        TimedListener gradient = null;
        TimedListener collapse = null;
        if (probe != null) {
            monitors = new RunMonitors(graph, ssl, probe, bank, queries, false, tmp.resolve("run-" + System.nanoTime()));
            List<TrainingListener> ls = monitors.listeners();
            gradient = new TimedListener(ls.get(0));
            collapse = new TimedListener(ls.get(1));
            timed.add(gradient);
            timed.add(collapse);
        }
        graph.setListeners(new ArrayList<TrainingListener>(timed));
        long t0 = System.nanoTime();
        graph.fit(new ExistingDataSetIterator(Collections.nCopies(iterations, batch)));
        double knnMs = 0;
        if (monitors != null) {
            long k0 = System.nanoTime();
            monitors.measureKnn(BackboneGraph.extract(graph, backbone, SslMethod.BACKBONE_PREFIX), iterations, 1);
            knnMs = (System.nanoTime() - k0) / 1e6;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new double[] {iterations * 2.0 * batchSize / seconds,
                gradient == null ? 0 : gradient.nanos() / 1e6 / iterations,
                collapse == null ? 0 : collapse.nanos() / 1e6, knnMs, seconds};
    }

    private static LabelledImages randomLabelled(int n, InputType.InputTypeConvolutional in, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, in.getChannels(), in.getHeight(), in.getWidth());
        Random r = new Random(seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
        }
        return new LabelledImages(x, labels, 10);
    }
}
