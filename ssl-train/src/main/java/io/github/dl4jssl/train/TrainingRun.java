package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TrainingRegime;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One self-supervised training run: data, method, research monitors, training UI, the raw-pixel and random-weight
 * baselines, training with checkpoints, evaluation of the trained backbone (kNN, linear probe, label efficiency),
 * plots, and the {@link RunReport}, written as {@code report.json} into the run directory last (a directory with a
 * report holds a finished run). The pipeline of {@code dl4j-ssl train}, for Java programs:
 *
 * <pre>{@code
 * RunSpec spec = RunSpec.builder().method("byol").epochs(1).trainSubset(512).checkpointEvery(4).out(dir).build();
 * RunReport report = TrainingRun.of(spec).run();
 * RunReport again = TrainingRun.resume(dir);   // an interrupted checkpointed run continues exactly
 * }</pre>
 *
 * <p>A run never writes over another run's files: a directory that holds anything is refused unless
 * {@link RunSpec#overwrite()}; the default directory {@code runs/<timestamp>} is new. A checkpointed run saves its spec
 * as {@value #SPEC_FILE}, from which {@link #resume} continues it (from the newest readable checkpoint, the iterator,
 * random state, loss sums, monitors and report where they were: the resumed run equals the uninterrupted one).
 */
public final class TrainingRun {
    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);
    /** The spec of a checkpointed run, saved in its run directory for {@link #resume}. */
    public static final String SPEC_FILE = "spec.json";
    /** The command line of a checkpointed run started by an older version (read by {@code dl4j-ssl train --resume}). */
    public static final String COMMAND_FILE = "command.json";

    private final RunSpec spec;
    private final Path resumeDir;
    private PrintWriter err = new PrintWriter(System.err, true);
    private DatasetSetup setup = DatasetSetup.system();
    private Path runDir;

    private TrainingRun(RunSpec spec, Path resumeDir) {
        this.spec = spec;
        this.resumeDir = resumeDir;
    }

    /** A new run of {@code spec} (its checks passed when it was built). */
    public static TrainingRun of(RunSpec spec) { return new TrainingRun(spec, null); }

    /**
     * The continuation of the interrupted checkpointed run in {@code runDir}, with the spec it saved; {@code changes}
     * may change what a resume may change (the NaN policy and the maximum of skipped steps), e.g.
     * {@code b -> b.nanPolicy("skip")}, or be null.
     */
    public static TrainingRun resuming(Path runDir, UnaryOperator<RunSpec.Builder> changes) throws IOException {
        Path file = runDir.resolve(SPEC_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--resume " + runDir + ": no " + SPEC_FILE + " there" + (Files.isRegularFile(
                    runDir.resolve(COMMAND_FILE)) ? " but the " + COMMAND_FILE + " of an older version: resume it with"
                    + " ./dl4j-ssl train --resume " + runDir : "; give the directory of a run started with --checkpoint-every N"));
        }
        return resuming(runDir, RunSpec.fromJson(Files.readString(file)), changes);
    }

    /**
     * {@link #resuming(Path, UnaryOperator)} with the given saved spec (e.g. from a {@value #COMMAND_FILE}); a CNN run
     * saved without {@code --layers} was built before the fused default and resumes with
     * {@link RunSpec#LAYERS_BEFORE_FUSED_DEFAULT}.
     */
    public static TrainingRun resuming(Path runDir, RunSpec saved, UnaryOperator<RunSpec.Builder> changes) {
        saved = saved.withLegacyLayers();
        RunSpec.Builder b = saved.toBuilder();
        if (changes != null) {
            b = changes.apply(b);
        }
        RunSpec spec = b.out(runDir).overwrite(false).build();
        if (!spec.toBuilder().nanPolicy(saved.nanPolicy()).maxSkippedSteps(saved.maxSkippedSteps()).out(saved.out())
                .overwrite(saved.overwrite()).build().equals(saved)) {
            throw new IllegalArgumentException("--resume continues a run with its saved options; only --nan-policy and"
                    + " --max-skipped-steps may be changed, or start a new run without --resume");
        }
        return new TrainingRun(spec, runDir);
    }

    /** Continues the interrupted run in {@code runDir}; the report of a finished one. */
    public static RunReport resume(Path runDir) throws Exception {
        return resuming(runDir, null).run();
    }

    /** Where warnings for the user go (default: standard error). */
    public TrainingRun messagesTo(PrintWriter err) { this.err = err; return this; }

    /** How a missing Fashion-MNIST package is installed or named (default: {@link DatasetSetup#system()}). */
    public TrainingRun datasetSetup(DatasetSetup setup) { this.setup = setup; return this; }

    /** The spec this run trains. */
    public RunSpec spec() { return spec; }

    /** The run directory (after {@link #run()} started; null before). */
    public Path runDir() { return runDir; }

    /**
     * The report of the finished run in the spec's directory if there is one (nothing is trained: make-like reuse),
     * otherwise {@link #run()}, replacing an unfinished run's leftovers there (e.g. of an interrupted experiment).
     */
    public RunReport runOrReuse() throws Exception {
        if (resumeDir == null && spec.out() != null && RunDirectory.finished(spec.out())) {
            runDir = spec.out();
            log.info("{}: already done, reusing {}", runDir, runDir.resolve(RunDirectory.REPORT));
            return RunReport.read(runDir.resolve(RunDirectory.REPORT));
        }
        TrainingRun again = spec.overwrite() || spec.out() == null ? this
                : of(spec.toBuilder().overwrite(true).build()).messagesTo(err).datasetSetup(setup);
        RunReport report = again.run();
        runDir = again.runDir;
        return report;
    }

    /** Trains, evaluates and writes the run; returns its report (for a resumed run that had finished: its report). */
    public RunReport run() throws Exception {
        return resumeDir != null ? continueRun() : newRun();
    }

    private RunReport newRun() throws Exception {
        long start = System.nanoTime();
        if (spec.data() == null && Datasets.FASHION_MNIST.equals(Datasets.normalise(spec.dataset()))) {
            setup.ensure(err);
        }
        Path out = spec.out();
        if (out != null) {
            OutputDirectory.checkWritable(out);
        }
        UIServer uiServer = spec.ui() ? TrainingUi.startServer("--ui-port", spec.uiPort()) : null;
        boolean newDirectory = out == null || !Files.exists(out);
        Path dir = out != null ? OutputDirectory.prepare(out) : RunDirectory.createDefault(Paths.get("runs"));
        try (RunLock lock = RunLock.acquire(dir)) {
            RunDirectory.claim(dir, spec.overwrite());
            if (spec.checkpointEvery() != null) {
                saveSpec(dir);
            }
            return new Pipeline(spec, dir, new RunControl(spec, null, null), uiServer, start).train();
        } catch (Exception | Error e) {
            if (newDirectory) {
                OutputDirectory.removeIfUnused(dir);
            }
            throw e;
        } finally {
            runDir = dir;
        }
    }

    private RunReport continueRun() throws Exception {
        long start = System.nanoTime();
        runDir = resumeDir;
        if (RunDirectory.finished(resumeDir)) {
            return RunReport.read(resumeDir.resolve(RunDirectory.REPORT));
        }
        try (RunLock lock = RunLock.acquire(resumeDir)) {
            if (RunDirectory.finished(resumeDir)) { // again: it may have finished since the check above
                return RunReport.read(resumeDir.resolve(RunDirectory.REPORT));
            }
            Path checkpoint = checkpoint();
            ResumeState state = ResumeState.read(checkpoint.resolve(Checkpoints.STATE));
            if (state.report.method != null && !state.report.method.equals(spec.method())) {
                throw new IllegalStateException("--resume " + resumeDir + ": the checkpoint " + checkpoint + " holds a "
                        + state.report.method + " run but its " + SPEC_FILE + " starts " + spec.method()
                        + "; the directory mixes two runs' files: start a new run with another --out");
            }
            log.info("resuming {} from {} (iteration {}, epoch {}, batch {})", resumeDir, checkpoint, state.iteration,
                    state.epoch, state.batchInEpoch);
            UIServer uiServer = spec.ui() ? TrainingUi.startServer("--ui-port", spec.uiPort()) : null;
            return new Pipeline(spec, resumeDir, new RunControl(spec, state, checkpoint), uiServer, start).train();
        }
    }

    /** The newest checkpoint of the resumed run that reads back completely, saying which newer ones it skips. */
    private Path checkpoint() throws IOException {
        Checkpoints store = new Checkpoints(resumeDir, spec.keepCheckpoints());
        Checkpoints.Found found = store.newestReadable();
        for (String skipped : found.skipped()) {
            log.warn("skipping the damaged checkpoint {}", skipped);
            err.println("warning: skipping the damaged checkpoint " + skipped);
        }
        if (found.checkpoint() != null) {
            List<Path> aside = store.setAside(found);
            if (!aside.isEmpty()) {
                err.println("warning: the damaged checkpoints are kept as " + aside + "; resuming from " + found.checkpoint());
            }
            return found.checkpoint();
        }
        if (found.skipped().isEmpty()) {
            throw new IllegalArgumentException("--resume " + resumeDir + ": the run wrote no checkpoint yet; start it again"
                    + " with --overwrite (it stopped before its first --checkpoint-every iterations)");
        }
        throw new IllegalArgumentException("--resume " + resumeDir + ": every checkpoint is damaged (" + String.join("; ",
                found.skipped()) + "); start the run again with --overwrite");
    }

    /** Saves the spec for {@link #resume}, atomically, with the layers it resolved to ({@link RunSpec#withLayersRecorded()}). */
    private void saveSpec(Path dir) throws IOException {
        Path tmp = dir.resolve(SPEC_FILE + ".tmp");
        Files.writeString(tmp, spec.withLayersRecorded().toJson());
        Files.move(tmp, dir.resolve(SPEC_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The training itself, into a locked and claimed run directory, split into its steps. */
    private static final class Pipeline {
        private final RunSpec spec;
        private final Path outDir;
        private final RunControl control;
        private final UIServer uiServer;
        private final long start;
        private Datasets.Split split;
        private int perEpoch;
        private TrainingRegime regime;
        private LabelledImages evalTrain;
        private LabelledImages evalTest;
        private Baselines baselines;
        private Backbone net;
        private SslMethod ssl;
        private ComputationGraph graph;
        private RunReport report;
        private RunMonitors monitors;
        private TrainingUi trainingUi;

        Pipeline(RunSpec spec, Path outDir, RunControl control, UIServer uiServer, long start) {
            this.spec = spec;
            this.outDir = outDir;
            this.control = control;
            this.uiServer = uiServer;
            this.start = start;
        }

        RunReport train() throws Exception {
            prepareData();
            buildGraph();
            describe();
            monitors = new RunMonitors(graph, ssl, evalTest.subset(Math.min(RunMonitors.COLLAPSE_PROBE, evalTest.size())).features(),
                    evalTrain.subset(Math.min(RunMonitors.MONITOR_BANK, evalTrain.size())),
                    evalTest.subset(Math.min(RunMonitors.MONITOR_TEST, evalTest.size())), spec.collapseNormalize(), outDir);
            trainingUi = uiServer != null ? TrainingUi.start(uiServer, outDir, monitors, spec.method() + " / " + spec.backbone()) : null;
            if (!control.isResuming()) {
                baseline();
            }
            ComputationGraph trained = trainEpochs();
            save(trained);
            return report;
        }

        private void prepareData() {
            split = Datasets.load(spec.dataset(), new Datasets.Options(spec.data(), spec.imageSize(), spec.channels(),
                    spec.holdout(), spec.seed(), spec.maxImagePixels()));
            LabelledImages train = split.train();
            perEpoch = Evaluation.first("--train-subset", spec.trainSubset(), RunSpec.DEFAULT_TRAIN_IMAGES, train.size(), "training set");
            regime = TrainingRegime.byName(spec.regime(), train.size(), perEpoch, spec.epochs(),
                    spec.chunkSize() != null ? spec.chunkSize() : perEpoch, spec.passes(), spec.seed());
            Evaluation eval = Evaluation.of(split, spec.evalTrainSubset(), spec.evalTestSubset(), spec.linearEpochs(), spec.seed());
            evalTrain = eval.train();
            evalTest = eval.test();
            baselines = Baselines.of(eval, spec.baselineCache(), train, spec.labelsPerClass(), spec.seed(), spec.supervisedImages());
            if (spec.batchSize() > perEpoch) {
                throw new IllegalArgumentException("--batch-size " + spec.batchSize() + " is larger than the training set ("
                        + perEpoch + " images)");
            }
        }

        private void buildGraph() throws IOException {
            MethodSetup setup = new MethodSetup(spec);
            net = setup.backbone(split.train());
            ssl = setup.method(net, perEpoch);
            graph = control.initGraph(ssl);
            int batch = spec.batchSize();
            int trainedPerEpoch = perEpoch / batch * batch;
            log.info("{} with {} backbone: {} parameters; training on {} images per epoch ({} batches of {} x 2 views{})",
                    spec.method(), spec.backbone(), graph.numParams(), trainedPerEpoch, perEpoch / batch, batch,
                    trainedPerEpoch == perEpoch ? "" : "; the last " + (perEpoch - trainedPerEpoch) + " of each epoch's "
                            + perEpoch + " images, a different remainder every epoch, make no full batch and are left out");
        }

        /** The report's description of the run (a resumed run's report has its baselines and finished epochs). */
        private void describe() {
            report = control.report();
            report.method = spec.method();
            report.backbone = spec.backbone();
            report.backboneDetails = net.toString();
            report.patchEmbeddingFrozen = MethodSetup.patchEmbeddingFrozen(net);
            report.widthMultiplier = spec.widthMultiplier();
            report.dataset = spec.dataset();
            report.epochs = spec.epochs();
            report.batchSize = spec.batchSize();
            report.seed = spec.seed();
            report.temperature = spec.temperatureOrRecipe();
            report.cropScale = spec.cropScaleOrDefault();
            report.learningRate = spec.learningRate();
            report.symmetricLoss = spec.symmetricLoss();
            MethodSetup.describe(graph, report);
            report.parameters = graph.numParams();
            report.trainImages = perEpoch / spec.batchSize() * spec.batchSize();
            report.regime = regime.name();
            report.distinctTrainImages = regime.distinctImages();
            report.skippedImages = split.skipped().size();
            report.evalTrainImages = evalTrain.size();
            report.evalTestImages = evalTest.size();
        }

        /** The baselines: raw pixels and the same backbone with its random initial weights (a resumed run has them). */
        private void baseline() throws IOException {
            baselines.rawPixels(report);
            log.info("Evaluating the random-weights baseline");
            ComputationGraph randomBackbone = BackboneGraph.extract(graph, net, SslMethod.BACKBONE_PREFIX);
            baselines.randomWeights(randomBackbone, net, report);
            report.knnMonitorPerEpoch.add(monitors.measureKnn(randomBackbone, 0, 0));
        }

        /** The epochs (from the checkpoint's on a resume); returns the trained backbone, evaluated. */
        private ComputationGraph trainEpochs() throws Exception {
            int epochs = spec.epochs();
            TwoViewIterator.Builder viewsBuilder = TwoViewIterator.builder(split.train()).batchSize(spec.batchSize())
                    .pipeline(split.simclrPipeline(spec.cropScaleOrDefault())).regime(regime).seed(spec.seed());
            TwoViewIterator views = (spec.workers() != null ? viewsBuilder.workers(spec.workers()) : viewsBuilder).build();
            LossRecorder losses = new LossRecorder();
            if (!control.isResuming()) {
                monitors.measureBeforeTraining(graph);
            }
            control.restore(monitors);
            int firstEpoch = control.position(views, losses);
            long imagesPerEpoch = 2L * spec.batchSize() * views.batchesPerEpoch();
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
                graph.setListeners(control.guard(listeners, outDir, views.batchesPerEpoch(),
                        (long) epochs * views.batchesPerEpoch(), report, losses, monitors));
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
                            String.format("%.4f", loss), Baselines.pct(knn));
                    control.epochDone(graph, epoch, epochs);
                }
            }
            views.shutdown();
            report.trainSeconds = trainSeconds;
            report.imagesPerSecond = epochs * imagesPerEpoch / trainSeconds;
            report.skippedSteps = control.skippedSteps();
            return trained;
        }

        /** The models, the monitors' results, plots and, last, the report. */
        private void save(ComputationGraph trained) throws IOException {
            report.totalSeconds = (System.nanoTime() - start) / 1e9;
            ModelSerializer.writeModel(graph, outDir.resolve("model.zip").toFile(), true);
            ModelSerializer.writeModel(trained, outDir.resolve("backbone.zip").toFile(), false);
            SavedBackbone.tag(outDir.resolve("model.zip"), net);
            SavedBackbone.tag(outDir.resolve("backbone.zip"), net);
            monitors.report(report, spec.collapseNormalize());
            monitors.writePlots(outDir);
            RunHistory.write(outDir, report);
            if (trainingUi != null) {
                trainingUi.close();
            }
            report.write(outDir.resolve(RunDirectory.REPORT)); // last: a run with a report has finished
            System.out.printf("%s/%s: %s; %.0f img/s; report in %s%n", spec.method(), spec.backbone(), Baselines.summary(report),
                    report.imagesPerSecond, outDir.resolve(RunDirectory.REPORT));
        }
    }
}
