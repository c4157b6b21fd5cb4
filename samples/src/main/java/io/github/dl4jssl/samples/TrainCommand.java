package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.data.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.FashionMnist;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.optimize.api.TrainingListener;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code dl4j-ssl train}: self-supervised pre-training on a data set, then kNN and linear-probe evaluation
 * of the trained backbone and of the same backbone with random weights; writes {@code report.json},
 * {@code history.csv}, PNG plots and the trained model to the output directory.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Pre-train a backbone with a self-supervised method, then evaluate it (kNN, linear probe).")
public final class TrainCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TrainCommand.class);
    static final List<String> METHODS = SslMethods.NAMES;
    static final List<String> DATASETS = List.of("fashion-mnist");
    /** Sizes of the per-epoch kNN monitor's memory bank and test set (first images of the evaluation sets). */
    static final int MONITOR_BANK = 5_000;
    static final int MONITOR_TEST = 1_000;
    /** Test images on which the collapse monitor measures the backbone features' spectrum. */
    static final int COLLAPSE_PROBE = 1_000;

    @Option(names = "--method", defaultValue = "simclr", description = "Method: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = MethodNames.class)
    String method;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "Data set: fashion-mnist. Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--data", description = "Directory of the data set files (default: the Debian package's directory).")
    Path data;

    @Option(names = "--backbone", defaultValue = "small-cnn", description = "Backbone: small-cnn, resnet18-cifar. Default: ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = "--width-multiplier", defaultValue = "1",
            description = "Factor on every backbone layer's channels (e.g. 0.5 halves SmallCnn to 16-32-32-64). Default: ${DEFAULT-VALUE}.")
    double widthMultiplier;

    @Option(names = "--epochs", defaultValue = "3", description = "Training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per batch (each gives two views). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--train-subset", defaultValue = "6000",
            description = "Train on the first N training images (0 = all 60,000). Default: ${DEFAULT-VALUE}, sized for a 10-minute run on 2 cores.")
    Integer trainSubset;

    @Option(names = "--eval-train-subset", defaultValue = "10000",
            description = "kNN memory bank and linear-probe training set: the first N training images. Default: ${DEFAULT-VALUE}.")
    Integer evalTrainSubset;

    @Option(names = "--eval-test-subset", description = "Evaluate on the first N test images (default: all).")
    Integer evalTestSubset;

    @Option(names = "--lr", description = "Train with Adam at this learning rate (default: the method's own optimizer; SimCLR: Adam 1e-3).")
    Double learningRate;

    @Option(names = "--temperature", description = "Softmax temperature of the contrastive losses (default: the method's, e.g. SimCLR 0.5, MoCo v2 0.2).")
    Double temperature;

    @Option(names = "--queue-size", description = "MoCo v1/v2 key-queue size (default: 65536, or 4096 when the training set is smaller than that).")
    Integer queueSize;

    @Option(names = "--linear-epochs", defaultValue = "10", description = "Linear probe epochs. Default: ${DEFAULT-VALUE}.")
    int linearEpochs;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", description = "Output directory (default: runs/<timestamp>).")
    Path out;

    static final class MethodNames extends ArrayList<String> {
        MethodNames() {
            super(METHODS);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        long start = System.nanoTime();
        Path outDir = prepareOutput();
        Path dataDir = data != null ? data : FashionMnist.DEFAULT_DIR;

        LabelledImages train = FashionMnist.loadTrain(dataDir);
        LabelledImages test = FashionMnist.loadTest(dataDir);
        LabelledImages sslTrain = trainSubset > 0 ? train.subset(Math.min(trainSubset, train.size())) : train;
        LabelledImages evalTrain = evalTrainSubset > 0 ? train.subset(Math.min(evalTrainSubset, train.size())) : train;
        LabelledImages evalTest = evalTestSubset != null && evalTestSubset > 0 ? test.subset(Math.min(evalTestSubset, test.size())) : test;
        if (batchSize > sslTrain.size()) {
            throw new IllegalArgumentException("--batch-size " + batchSize + " is larger than the training set ("
                    + sslTrain.size() + " images)");
        }

        Backbone net = Backbones.byName(backbone, train.height(), train.width(), train.channels(), widthMultiplier);
        int queue = moCoQueueSize(sslTrain.size());
        SslMethod ssl = SslMethods.create(method, net, new SslMethods.Options(
                learningRate != null ? new Adam(learningRate) : null, temperature, queue, batchSize, seed));
        ComputationGraph graph = ssl.init();
        log.info("{} with {} backbone: {} parameters; training on {} images, batch {} x 2 views",
                method, backbone, graph.numParams(), sslTrain.size(), batchSize);

        RunReport report = new RunReport();
        report.method = method;
        report.backbone = backbone;
        report.widthMultiplier = widthMultiplier;
        report.dataset = dataset;
        report.epochs = epochs;
        report.batchSize = batchSize;
        report.seed = seed;
        report.temperature = temperature;
        report.learningRate = learningRate;
        report.parameters = graph.numParams();
        report.trainImages = sslTrain.size();
        report.evalTrainImages = evalTrain.size();
        report.evalTestImages = evalTest.size();

        // The baseline: the same backbone with its random initial weights.
        Evaluation eval = new Evaluation(evalTrain, evalTest, MONITOR_BANK, MONITOR_TEST, linearEpochs, seed);
        log.info("Evaluating the random-weights baseline");
        Evaluation.Result random = eval.evaluate(BackboneGraph.extract(graph, net, SslMethod.BACKBONE_PREFIX));
        report.randomKnnTop1 = random.knnTop1();
        report.randomLinearTop1 = random.linearTop1();
        report.randomLinearTop5 = random.linearTop5();
        report.knnMonitorPerEpoch.add(random.monitorKnnTop1());
        log.info("Random weights: kNN top-1 {}, linear top-1 {}", pct(random.knnTop1()), pct(random.linearTop1()));

        TwoViewIterator views = TwoViewIterator.builder(sslTrain).batchSize(batchSize)
                .pipeline(AugmentationPipeline.simclrGrayscale(train.height())).seed(seed).build();
        LossRecorder losses = new LossRecorder();
        RunMonitors monitors = new RunMonitors(graph, ssl,
                evalTest.subset(Math.min(COLLAPSE_PROBE, evalTest.size())).features(), outDir);
        monitors.measureBeforeTraining(graph);
        long imagesPerEpoch = 2L * batchSize * views.batchesPerEpoch();
        double trainSeconds = 0;
        Evaluation.Result result = null;
        ComputationGraph trained = null;
        try (ProgressBarListener progress = new ProgressBarListener("train", imagesPerEpoch)) {
            List<TrainingListener> listeners = new ArrayList<>(ssl.trainingListeners((long) epochs * views.batchesPerEpoch()));
            listeners.addAll(monitors.listeners());
            listeners.add(progress);
            listeners.add(losses);
            graph.setListeners(listeners);
            for (int epoch = 1; epoch <= epochs; epoch++) {
                progress.startEpoch(epoch, epochs);
                long t0 = System.nanoTime();
                graph.fit(views);
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                progress.close();
                double loss = losses.epochMean();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss is " + loss + " at epoch " + epoch
                            + " (iteration " + losses.firstNonFinite + "); try a lower --lr");
                }
                report.lossPerEpoch.add(loss);
                ComputationGraph backboneNow = BackboneGraph.extract(graph, net, SslMethod.BACKBONE_PREFIX);
                if (epoch == epochs) {
                    log.info("Evaluating the trained backbone");
                    trained = backboneNow;
                    result = eval.evaluate(trained);
                }
                double knn = result != null ? result.monitorKnnTop1() : eval.monitor(backboneNow);
                report.knnMonitorPerEpoch.add(knn);
                log.info("epoch {}/{}: loss {}, kNN monitor top-1 {}", epoch, epochs,
                        String.format("%.4f", loss), pct(knn));
            }
        }
        report.trainSeconds = trainSeconds;
        report.imagesPerSecond = epochs * imagesPerEpoch / trainSeconds;
        report.knnTop1 = result.knnTop1();
        report.linearTop1 = result.linearTop1();
        report.linearTop5 = result.linearTop5();
        report.totalSeconds = (System.nanoTime() - start) / 1e9;

        ModelSerializer.writeModel(graph, outDir.resolve("model.zip").toFile(), true);
        ModelSerializer.writeModel(trained, outDir.resolve("backbone.zip").toFile(), false);
        for (var record : monitors.collapseHistory()) {
            report.collapseAucPerEpoch.add(record.metrics().auc());
            report.rankMePerEpoch.add(record.metrics().rankMe());
        }
        report.gradientFluctuation = monitors.finalFluctuation();
        monitors.writePlots(outDir);
        report.write(outDir.resolve("report.json"));
        writeHistory(outDir, report);
        System.out.printf("%s/%s: kNN top-1 %s (random weights %s), linear top-1 %s (random %s), %.0f img/s; report in %s%n",
                method, backbone, pct(report.knnTop1), pct(report.randomKnnTop1), pct(report.linearTop1),
                pct(report.randomLinearTop1), report.imagesPerSecond, outDir.resolve("report.json"));
        return 0;
    }

    private void validate() {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("unknown --method '" + method + "'; valid methods: " + String.join(", ", METHODS));
        }
        if (!DATASETS.contains(dataset)) {
            throw new IllegalArgumentException("unknown --dataset '" + dataset + "'; valid data sets: " + String.join(", ", DATASETS));
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 2) {
            throw new IllegalArgumentException("--batch-size must be at least 2 (NT-Xent needs negatives), got " + batchSize);
        }
        for (Integer n : new Integer[]{trainSubset, evalTrainSubset, evalTestSubset}) {
            if (n != null && n < 0) {
                throw new IllegalArgumentException("subset sizes must be positive (or 0 for all), got " + n);
            }
        }
    }

    /**
     * The MoCo key-queue size: the given one, or 65536 (MoCo's default) capped to 4096 for small data and to the
     * number of images an epoch uses, so that the queue never holds two keys of one image.
     */
    int moCoQueueSize(int trainImages) {
        int perEpoch = trainImages / batchSize * batchSize;
        if (queueSize != null) {
            if (queueSize > perEpoch && method.startsWith("moco")) {
                throw new IllegalArgumentException("--queue-size " + queueSize + " is larger than the " + perEpoch
                        + " images of an epoch: the queue would hold keys of the same image twice; use at most " + perEpoch);
            }
            return queueSize;
        }
        return Math.min(trainImages < 65_536 ? 4096 : 65_536, perEpoch);
    }

    private Path prepareOutput() throws IOException {
        Path dir = out != null ? out
                : Paths.get("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the output directory " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("the output directory " + dir + " is not writable; choose another with --out");
        }
        return dir;
    }

    private static void writeHistory(Path outDir, RunReport report) throws IOException {
        StringBuilder csv = new StringBuilder("epoch,loss,knn_monitor_top1\n");
        for (int e = 0; e < report.knnMonitorPerEpoch.size(); e++) {
            csv.append(e).append(',').append(e == 0 ? "" : report.lossPerEpoch.get(e - 1)).append(',')
                    .append(report.knnMonitorPerEpoch.get(e)).append('\n');
        }
        Files.writeString(outDir.resolve("history.csv"), csv);
        List<Integer> epochsX = IntStream.rangeClosed(1, report.lossPerEpoch.size()).boxed().collect(Collectors.toList());
        Map<String, List<? extends Number>> loss = new LinkedHashMap<>();
        loss.put("training loss", report.lossPerEpoch);
        Plots.line(outDir.resolve("loss.png"), report.method + " training loss", "epoch", "loss", epochsX, loss);
        List<Integer> knnX = IntStream.range(0, report.knnMonitorPerEpoch.size()).boxed().collect(Collectors.toList());
        Map<String, List<? extends Number>> knn = new LinkedHashMap<>();
        knn.put("kNN top-1", report.knnMonitorPerEpoch.stream().map(v -> 100 * v).collect(Collectors.toList()));
        Plots.line(outDir.resolve("knn.png"), "kNN top-1 accuracy (monitor: " + MONITOR_BANK + "-image bank, " + MONITOR_TEST + " test images)", "epoch", "accuracy (%)", knnX, knn);
    }

    static String pct(double v) {
        return String.format("%.2f%%", 100 * v);
    }

    /** Collects iteration scores and gives each epoch's mean. */
    static final class LossRecorder extends BaseTrainingListener {
        private double sum;
        private int count;
        private int iterations;
        Integer firstNonFinite;

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            double s = model.score();
            iterations++;
            if (!Double.isFinite(s) && firstNonFinite == null) {
                firstNonFinite = iterations;
            }
            sum += s;
            count++;
        }

        double epochMean() {
            double m = count == 0 ? Double.NaN : sum / count;
            sum = 0;
            count = 0;
            return m;
        }
    }
}
