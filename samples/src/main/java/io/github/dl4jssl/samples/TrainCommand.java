package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TrainingRegime;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.optimize.api.TrainingListener;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import org.deeplearning4j.ui.api.UIServer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
    /**
     * Sizes of the per-epoch kNN monitor's memory bank and test set (first images of the evaluation sets). Chosen with
     * {@code bench --monitors} so that all monitors together slow training by less than 10% (a 5,000 + 1,000 kNN alone
     * cost about 13% of a default epoch with DL4J's layers; with the native layers, 2,000 + 500 and a 1,000-image
     * collapse probe still cost 10.7%).
     */
    static final int MONITOR_BANK = 1_500;
    static final int MONITOR_TEST = 500;
    /** Test images on which the collapse monitor measures the backbone features' spectrum (n &gt; d = 128 for RankMe). */
    static final int COLLAPSE_PROBE = 500;
    /** Iterations per epoch of the default run (6,000 images, batch 128), the epoch length the monitor benchmark assumes. */
    static final int DEFAULT_EPOCH_ITERATIONS = 6_000 / 128;

    @Option(names = "--method", defaultValue = "simclr", description = "Method: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = MethodNames.class)
    String method;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Mixin
    EvalOptions evalOptions = new EvalOptions();

    @Option(names = "--regime", defaultValue = "multi-epoch",
            description = "Training regime (Li, Efros, Pathak 2022): multi-epoch (the --train-subset images every epoch), continual (epochs x train-subset distinct images, each seen once), hybrid (chunks of --chunk-size distinct images, --passes passes each). Default: ${DEFAULT-VALUE}.")
    String regime;

    @Option(names = "--chunk-size", description = "continual/hybrid: images per chunk (default: the images of one epoch).")
    Integer chunkSize;

    @Option(names = "--passes", defaultValue = "2", description = "hybrid: passes over each chunk. Default: ${DEFAULT-VALUE}.")
    int passes;

    @Option(names = "--workers", description = "Augmentation worker threads (default: the number of processors).")
    Integer workers;

    @Option(names = "--backbone", defaultValue = "small-cnn", description = "Backbone: small-cnn, resnet18-cifar, vit-tiny, vit-small. Default: ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = "--layers", defaultValue = "native",
            description = "Convolution/batch-norm implementation: native (libnd4j ops, fast) or dl4j (DL4J's layers; same results). Default: ${DEFAULT-VALUE}.")
    String layers;
    @Option(names = "--width-multiplier", defaultValue = "1",
            description = "Factor on every backbone layer's channels (e.g. 0.5 halves SmallCnn to 16-32-32-64). Default: ${DEFAULT-VALUE}.")
    double widthMultiplier;

    @Option(names = "--head-hidden", paramLabel = "N",
            description = "Hidden width of the projection and prediction MLPs (default: the method's, 512 or the feature size;"
                    + " MoCo v1/v2 keep theirs), e.g. to keep a small model's files small.")
    Integer headHidden;

    @Option(names = "--epochs", defaultValue = "3", description = "Training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per batch (each gives two views). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--train-subset", defaultValue = "6000",
            description = "Train on the first N training images (0 = all 60,000). Default: ${DEFAULT-VALUE}, sized for a 10-minute run on 2 cores.")
    Integer trainSubset;

    @Option(names = "--lr", description = "Learning rate (peak rate with --schedule warmup-cosine) of --optimizer, Adam if none is given"
            + " (default: the optimizer's: adam 1e-3, sgd 0.05 x batch / 256, lars 0.3 x batch / 256; MoCo v3 on a ViT: AdamW 1.5e-4 x batch / 256).")
    Double learningRate;

    @Option(names = "--temperature", description = "Softmax temperature of the contrastive losses (default: the method's, e.g. SimCLR 0.5, MoCo v2 0.2).")
    Double temperature;

    @Option(names = "--crop-scale", description = "Augmentation strength: the smallest area fraction, in (0, 1], the random resized crop keeps"
            + " (smaller = harder views; SimCLR's ImageNet recipe 0.08, MoCo v2's 0.2). Default: ${DEFAULT-VALUE}.",
            defaultValue = "" + io.github.dl4jssl.zoo.data.AugmentationPipeline.DEFAULT_CROP_SCALE)
    double cropScale;

    @Option(names = "--queue-size", description = "MoCo v1/v2 key-queue size (default: 65536, or 4096 when the training set is smaller than that).")
    Integer queueSize;

    @Option(names = "--momentum", description = "Target-branch momentum in [0, 1] of the methods with one (MoCo: m; BYOL, MoCo v3, SimCLR-EMA: its start value). Default: the method's.")
    Double momentum;

    @Option(names = "--collapse-normalize",
            description = "Collapse monitor: L2-normalise each embedding before centring, as the --normalize of Li, Efros, Pathak's test_collapse.py (default: off, as in their code).")
    boolean collapseNormalize;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", description = "Output directory (default: runs/<timestamp>, a new one). A directory that holds files is refused unless --overwrite is given.")
    Path out;

    @Spec
    CommandSpec spec;

    @Option(names = "--overwrite", description = "Let --out name a directory that holds files: an earlier run's files there are deleted first.")
    boolean overwrite;

    @Mixin
    RunControl control;

    @Mixin
    UiOptions ui;

    @Mixin
    VitOptions vit = new VitOptions();

    @Mixin
    OptimizerOptions optimizerOptions = new OptimizerOptions();

    /** Installs Fashion-MNIST, or names the command to, when it is missing from its default directory. */
    DatasetSetup setup = DatasetSetup.system();

    static final class MethodNames extends ArrayList<String> {
        MethodNames() {
            super(METHODS);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (control.resumeRequested()) {
            return control.resume();
        }
        // Every check that needs no data comes first; a failed start leaves no new run directory behind.
        TrainOptionChecks.check(this);
        long start = System.nanoTime();
        if (control.isResuming()) {
            return train(out, ui.enabled ? TrainingUi.bind(ui) : null, start); // RunControl.resume holds the lock
        }
        if (dataOptions.isDefaultFashionMnist()) {
            setup.ensure(new PrintWriter(System.err, true));
        }
        if (out != null) {
            OutputDirectory.checkWritable(out);
        }
        UIServer uiServer = ui.enabled ? TrainingUi.bind(ui) : null;
        boolean newDirectory = out == null || !Files.exists(out);
        Path outDir = out != null ? OutputDirectory.prepare(out) : RunDirectory.createDefault(Paths.get("runs"));
        try (RunLock lock = RunLock.acquire(outDir)) {
            RunDirectory.claim(outDir, overwrite);
            return train(outDir, uiServer, start);
        } catch (Exception | Error e) {
            if (newDirectory) {
                OutputDirectory.removeIfUnused(outDir);
            }
            throw e;
        }
    }

    /** The run itself, into the locked and claimed {@code outDir}. */
    private int train(Path outDir, UIServer uiServer, long start) throws Exception {
        control.start(outDir);
        Datasets.Split split = dataOptions.load(seed);
        LabelledImages train = split.train();
        LabelledImages test = split.test();
        int perEpoch = EvalOptions.first(spec, "--train-subset", trainSubset, train.size(), "training set");
        TrainingRegime schedule = TrainingRegime.byName(regime, train.size(), perEpoch, epochs,
                chunkSize != null ? chunkSize : perEpoch, passes, seed);
        LabelledImages evalTrain = evalOptions.trainSet(train);
        LabelledImages evalTest = evalOptions.testSet(test);
        Baselines baselines = evalOptions.baselines(new Evaluation(evalTrain, evalTest, evalOptions.linearEpochs, seed), train, seed);
        if (batchSize > perEpoch) {
            throw new IllegalArgumentException("--batch-size " + batchSize + " is larger than the training set ("
                    + perEpoch + " images)");
        }

        Backbone net = vit.apply(Backbones.byName(backbone, train.height(), train.width(), train.channels(),
                LayerImplementation.byName(layers), widthMultiplier));
        int queue = moCoQueueSize(perEpoch);
        SslMethod ssl = SslMethods.create(method, net, optimizerOptions.methodOptions(method, net, learningRate, temperature,
                queue, batchSize, seed, momentum, epochs, perEpoch / batchSize).withHeadHidden(headHidden));
        ComputationGraph graph = control.initGraph(ssl);
        int trainedPerEpoch = perEpoch / batchSize * batchSize;
        log.info("{} with {} backbone: {} parameters; training on {} images per epoch ({} batches of {} x 2 views{})",
                method, backbone, graph.numParams(), trainedPerEpoch, perEpoch / batchSize, batchSize,
                trainedPerEpoch == perEpoch ? "" : "; the last " + (perEpoch - trainedPerEpoch) + " of each epoch's "
                        + perEpoch + " images, a different remainder every epoch, make no full batch and are left out");

        RunReport report = control.report();
        report.method = method;
        report.backbone = backbone;
        report.backboneDetails = net.toString();
        report.patchEmbeddingFrozen = VitOptions.patchEmbeddingFrozen(net);
        report.widthMultiplier = widthMultiplier;
        report.dataset = dataOptions.dataset;
        report.epochs = epochs;
        report.batchSize = batchSize;
        report.seed = seed;
        report.temperature = temperature;
        report.cropScale = cropScale;
        report.learningRate = learningRate;
        OptimizerOptions.describe(graph, report);
        report.parameters = graph.numParams();
        report.trainImages = trainedPerEpoch;
        report.regime = schedule.name();
        report.distinctTrainImages = schedule.distinctImages();
        report.skippedImages = split.skipped().size();
        report.evalTrainImages = evalTrain.size();
        report.evalTestImages = evalTest.size();

        RunMonitors monitors = new RunMonitors(graph, ssl, evalTest.subset(Math.min(COLLAPSE_PROBE, evalTest.size())).features(),
                evalTrain.subset(Math.min(MONITOR_BANK, evalTrain.size())), evalTest.subset(Math.min(MONITOR_TEST, evalTest.size())),
                collapseNormalize, outDir);
        TrainingUi trainingUi = uiServer != null ? TrainingUi.start(uiServer, outDir, monitors, method + " / " + backbone) : null;

        // The baselines: raw pixels and the same backbone with its random initial weights (a resumed run has them).
        if (!control.isResuming()) {
            baselines.rawPixels(report);
            log.info("Evaluating the random-weights baseline");
            ComputationGraph randomBackbone = BackboneGraph.extract(graph, net, SslMethod.BACKBONE_PREFIX);
            baselines.randomWeights(randomBackbone, net, report);
            report.knnMonitorPerEpoch.add(monitors.measureKnn(randomBackbone, 0, 0));
        }

        TwoViewIterator.Builder viewsBuilder = TwoViewIterator.builder(train).batchSize(batchSize)
                .pipeline(split.simclrPipeline(cropScale)).regime(schedule).seed(seed);
        TwoViewIterator views = (workers != null ? viewsBuilder.workers(workers) : viewsBuilder).build();
        LossRecorder losses = new LossRecorder();
        if (!control.isResuming()) {
            monitors.measureBeforeTraining(graph);
        }
        control.restore(monitors);
        int firstEpoch = control.position(views, losses);
        long imagesPerEpoch = 2L * batchSize * views.batchesPerEpoch();
        double trainSeconds = control.trainSecondsBefore();
        ComputationGraph trained = null;
        try (ProgressBarListener progress = new ProgressBarListener("train", imagesPerEpoch)) {
            List<TrainingListener> listeners = new ArrayList<>(ssl.trainingListeners((long) epochs * views.batchesPerEpoch()));
            listeners.addAll(monitors.listeners());
            listeners.add(progress);
            listeners.add(losses);
            if (trainingUi != null) {
                listeners.addAll(trainingUi.listeners());
            }
            graph.setListeners(control.guard(listeners, outDir, views.batchesPerEpoch(), (long) epochs * views.batchesPerEpoch(),
                    report, losses, monitors));
            for (int epoch = firstEpoch; epoch <= epochs; epoch++) {
                progress.startEpoch(epoch, epochs);
                long t0 = System.nanoTime();
                control.fit(graph, views);
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                progress.close();
                if (losses.count == 0) {
                    throw new IllegalStateException("every step of epoch " + epoch + " had a NaN or infinite loss and was"
                            + " skipped (" + control.skippedSteps() + " in the run): the run is not learning; lower the"
                            + " learning rate (--lr)");
                }
                double loss = losses.epochMean();
                report.lossPerEpoch.add(loss);
                ComputationGraph backboneNow = BackboneGraph.extract(graph, net, SslMethod.BACKBONE_PREFIX);
                if (epoch == epochs) {
                    log.info("Evaluating the trained backbone");
                    trained = backboneNow;
                    baselines.backbone(trained, report);
                }
                double knn = monitors.measureKnn(backboneNow, graph.getConfiguration().getIterationCount(), epoch);
                report.knnMonitorPerEpoch.add(knn);
                log.info("epoch {}/{}: loss {}, kNN monitor top-1 {}", epoch, epochs,
                        String.format("%.4f", loss), pct(knn));
                control.epochDone(graph, epoch, epochs);
            }
        }
        views.shutdown();
        report.trainSeconds = trainSeconds;
        report.imagesPerSecond = epochs * imagesPerEpoch / trainSeconds;
        report.skippedSteps = control.skippedSteps();
        report.totalSeconds = (System.nanoTime() - start) / 1e9;

        ModelSerializer.writeModel(graph, outDir.resolve("model.zip").toFile(), true);
        ModelSerializer.writeModel(trained, outDir.resolve("backbone.zip").toFile(), false);
        SavedBackbone.tag(outDir.resolve("model.zip"), net);
        SavedBackbone.tag(outDir.resolve("backbone.zip"), net);
        report.collapseMetric = RunReport.EQUATION_2;
        report.collapseNormalized = collapseNormalize;
        for (var record : monitors.collapseHistory()) {
            report.collapseAucPerEpoch.add(record.metrics().collapseAuc());
            report.varianceAucPerEpoch.add(record.metrics().varianceAuc());
            report.rankMePerEpoch.add(record.metrics().rankMe());
            report.collapseAuc = record.metrics().collapseAuc();
            report.varianceAuc = record.metrics().varianceAuc();
            report.rankMe = record.metrics().rankMe();
        }
        for (var record : monitors.projectorCollapseHistory()) {
            report.projectorCollapseAucPerEpoch.add(record.metrics().collapseAuc());
            report.projectorVarianceAucPerEpoch.add(record.metrics().varianceAuc());
            report.projectorRankMePerEpoch.add(record.metrics().rankMe());
        }
        report.gradientFluctuation = monitors.finalFluctuation();
        report.gradientSpikes = monitors.gradientSpikes();
        monitors.writePlots(outDir);
        writeHistory(outDir, report);
        if (trainingUi != null) {
            trainingUi.close();
        }
        report.write(outDir.resolve(RunDirectory.REPORT)); // last: a run with a report has finished
        System.out.printf("%s/%s: %s; %.0f img/s; report in %s%n", method, backbone, Baselines.summary(report),
                report.imagesPerSecond, outDir.resolve(RunDirectory.REPORT));
        return 0;
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

    /** Collects iteration scores and gives each epoch's mean (behind the NaN guard: finite scores only). */
    static final class LossRecorder extends BaseTrainingListener {
        double sum;
        int count;

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            sum += model.score();
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
