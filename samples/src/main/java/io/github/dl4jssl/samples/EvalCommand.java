package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.Baselines;
import io.github.dl4jssl.train.Evaluation;
import io.github.dl4jssl.train.OutputDirectory;
import io.github.dl4jssl.train.RunDirectory;
import io.github.dl4jssl.train.RunMonitors;
import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.SavedBackbone;
import io.github.dl4jssl.train.SpecChecks;
import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.listeners.eval.FineTune;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl eval}: the evaluation of {@code train} on a saved model: weighted kNN and a linear probe on
 * frozen features, the same backbone with random weights as baseline, and optionally fine-tuning of the whole
 * backbone ({@link FineTune}); writes {@code report.json} with the fields of {@code train}'s report, or
 * {@value #TRAINED_RUN_REPORT} when the output directory holds a {@code train} run, whose report it never replaces.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a saved backbone: kNN and linear probe on frozen features, optional fine-tuning.")
public final class EvalCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(EvalCommand.class);
    /** The report's name in the directory of a {@code train} run (beside the run's own report.json). */
    static final String TRAINED_RUN_REPORT = "eval-report.json";

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "A train run directory, its model.zip (whole SSL graph) or backbone.zip.")
    Path model;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Mixin
    EvalOptions evalOptions = new EvalOptions();

    @Option(names = "--fine-tune-epochs", defaultValue = "0",
            description = "Also fine-tune the whole backbone with a softmax classifier for N epochs (0 = no). Default: ${DEFAULT-VALUE}.")
    int fineTuneEpochs;

    @Option(names = "--fine-tune-lr", defaultValue = "1e-3", description = "Adam learning rate of fine-tuning. Default: ${DEFAULT-VALUE}.")
    double fineTuneLr;

    @Option(names = "--batch-size", defaultValue = "128", description = "Fine-tuning batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--collapse-normalize",
            description = "Collapse metrics: L2-normalise each embedding before centring, as the --normalize of Li, Efros, Pathak's test_collapse.py (default: off, as in their code).")
    boolean collapseNormalize;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", description = "Output directory (default: runs/eval-<timestamp>). In a train run's directory the report is "
            + TRAINED_RUN_REPORT + ", beside the run's own.")
    Path out;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        dataOptions.validate();
        evalOptions.validate();
        if (evalOptions.evalTrainSubset < 0 || (evalOptions.evalTestSubset != null && evalOptions.evalTestSubset < 0)
                || evalOptions.linearEpochs < 1 || fineTuneEpochs < 0) {
            throw new IllegalArgumentException("subset sizes and --fine-tune-epochs must be >= 0 and --linear-epochs >= 1");
        }
        if (fineTuneEpochs > 0 && batchSize < 2) {
            throw new IllegalArgumentException("--batch-size must be at least 2 (BatchNorm needs 2 images), got " + batchSize);
        }
        if (fineTuneEpochs > 0) {
            SpecChecks.positive("--fine-tune-lr", fineTuneLr, "the Adam step size of fine-tuning");
        }
        Path target = out != null ? out
                : Paths.get("runs", "eval-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        OutputDirectory.checkWritable(target);
        if (!Files.exists(model)) {
            throw new IllegalArgumentException("--model " + model + " does not exist; give a run directory, model.zip or backbone.zip");
        }
        Datasets.Split split = dataOptions.load(seed);
        LabelledImages train = evalOptions.trainSet(split.train());
        LabelledImages test = evalOptions.testSet(split.test());
        SavedBackbone saved = SavedBackbone.load(model, train.features().shape());
        Evaluation eval = new Evaluation(train, test, evalOptions.linearEpochs, seed);
        Baselines baselines = evalOptions.baselines(eval, split.train(), seed);
        Path outDir = OutputDirectory.prepare(target);

        RunReport report = new RunReport();
        Path source = saved.file().resolveSibling("report.json");
        if (Files.isRegularFile(source)) {
            RunReport trained = RunReport.read(source);
            report.method = trained.method;
            report.epochs = trained.epochs;
            report.batchSize = trained.batchSize;
            report.trainImages = trained.trainImages;
        }
        report.backbone = saved.backbone().name();
        report.dataset = dataOptions.dataset;
        report.seed = seed;
        report.parameters = saved.graph().numParams();
        report.evalTrainImages = train.size();
        report.evalTestImages = test.size();
        report.model = saved.file().toString();

        log.info("Evaluating {} ({}) on {}: {} train, {} test images", saved.file(), saved.backbone(), dataOptions.dataset, train.size(), test.size());
        baselines.rawPixels(report);
        ComputationGraph random = new ComputationGraph(BackboneGraph.standalone(saved.backbone(), SslMethod.BACKBONE_PREFIX, seed));
        random.init();
        baselines.randomWeights(random, saved.backbone(), report);
        baselines.backbone(saved.graph(), report);
        CollapseMetrics.Result collapse = CollapseCommand.measure(saved.graph(),
                test.subset(Math.min(RunMonitors.COLLAPSE_PROBE, test.size())).features(), collapseNormalize);
        report.collapseMetric = RunReport.EQUATION_2;
        report.collapseNormalized = collapseNormalize;
        report.collapseAuc = collapse.collapseAuc();
        report.varianceAuc = collapse.varianceAuc();
        report.rankMe = collapse.rankMe();
        if (fineTuneEpochs > 0) {
            log.info("Fine-tuning the whole backbone for {} epochs", fineTuneEpochs);
            FineTune.Result ft = new FineTune(fineTuneEpochs, batchSize, fineTuneLr, seed)
                    .evaluate(saved.graph(), train.features(), train.labels(), test.features(), test.labels(), train.numClasses());
            report.fineTuneEpochs = fineTuneEpochs;
            report.fineTuneTop1 = ft.top1();
            report.fineTuneTop5 = ft.top5();
        }
        report.totalSeconds = (System.nanoTime() - start) / 1e9;
        Path reportFile = outDir.resolve(RunDirectory.holdsTrainingRun(outDir) ? TRAINED_RUN_REPORT : RunDirectory.REPORT);
        report.write(reportFile);
        System.out.printf("%s: %s%s; report in %s%n", saved.file(), Baselines.summary(report),
                fineTuneEpochs > 0 ? ", fine-tuned top-1 " + Baselines.pct(report.fineTuneTop1) : "", reportFile);
        return 0;
    }

}
