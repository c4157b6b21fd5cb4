package io.github.dl4jssl.samples;

import io.github.dl4jssl.pretrained.Pretrained;
import io.github.dl4jssl.pretrained.PretrainedCard;
import io.github.dl4jssl.train.BackboneEvaluation;
import io.github.dl4jssl.train.Baselines;
import io.github.dl4jssl.train.OutputDirectory;
import io.github.dl4jssl.train.RunDirectory;
import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.SavedBackbone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl eval}: the evaluation of {@code train} on a saved model: weighted kNN and a linear probe on
 * frozen features, the same backbone with random weights and the raw pixels as baselines, and optionally fine-tuning
 * of the whole backbone; writes {@code report.json} with the fields of {@code train}'s report, or
 * {@value #TRAINED_RUN_REPORT} when the output directory holds a {@code train} run, whose report it never replaces.
 * A thin mapping of the options to {@link BackboneEvaluation} (the API Java programs call).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a saved backbone: kNN and linear probe on frozen features, optional fine-tuning.")
public final class EvalCommand implements Callable<Integer> {
    /** The report's name in the directory of a {@code train} run (beside the run's own report.json). */
    static final String TRAINED_RUN_REPORT = "eval-report.json";
    /** {@code --model pretrained:NAME}: a backbone shipped in ssl-pretrained. */
    static final String PRETRAINED = "pretrained:";

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "A train run directory, its model.zip (whole SSL graph) or backbone.zip, or pretrained:NAME for a backbone"
                    + " shipped in ssl-pretrained (./dl4j-ssl pretrained lists them).")
    Path model;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Mixin
    EvalOptions evalOptions = new EvalOptions();

    @Option(names = "--fine-tune-epochs", defaultValue = "0",
            description = "Also fine-tune the whole backbone with a softmax classifier for N epochs, and the same classifier from random"
                    + " weights (0 = no). Default: ${DEFAULT-VALUE}.")
    int fineTuneEpochs;

    @Option(names = "--fine-tune-lr", defaultValue = "1e-3", description = "Adam learning rate of fine-tuning. Default: ${DEFAULT-VALUE}.")
    double fineTuneLr;

    @Option(names = "--batch-size", defaultValue = "128", description = "Fine-tuning batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--collapse-normalize",
            description = "Collapse metrics: L2-normalise each embedding before centring, as the --normalize of Li, Efros, Pathak's test_collapse.py (default: off, as in their code).")
    boolean collapseNormalize;

    @Spec
    CommandSpec spec;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", description = "Output directory (default: runs/eval-<timestamp>). In a train run's directory the report is "
            + TRAINED_RUN_REPORT + ", beside the run's own.")
    Path out;

    @Override
    public Integer call() throws Exception {
        BackboneEvaluation evaluation = evalOptions.apply(BackboneEvaluation.builder(), new Given(spec))
                .fineTune(fineTuneEpochs, fineTuneLr, batchSize).collapseNormalize(collapseNormalize).seed(seed).build();
        dataOptions.validate();
        Path target = out != null ? out
                : Paths.get("runs", "eval-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        OutputDirectory.checkWritable(target);
        PretrainedCard card = null;
        Path modelFile = model;
        if (model.toString().startsWith(PRETRAINED)) {
            card = Pretrained.card(model.toString().substring(PRETRAINED.length()));   // an unknown name fails here, listing the names
            modelFile = Files.createTempFile("dl4j-ssl-" + card.name(), ".zip");
            modelFile.toFile().deleteOnExit();
            Pretrained.copyTo(card.name(), modelFile);
        } else {
            SavedBackbone.checkExists(model, ", or pretrained:NAME");
        }
        RunReport report = evaluation.evaluate(modelFile, dataOptions.load(seed));
        if (card != null) {
            report.method = card.method();
            report.epochs = card.epochs();
            report.trainImages = card.trainImages();
            report.model = model.toString();
        }
        Path outDir = OutputDirectory.prepare(target);
        Path reportFile = outDir.resolve(RunDirectory.holdsTrainingRun(outDir) ? TRAINED_RUN_REPORT : RunDirectory.REPORT);
        report.write(reportFile);
        System.out.printf("%s: %s%s; report in %s%n", report.model, Baselines.summary(report), fineTuneEpochs > 0
                ? ", fine-tuned top-1 " + Baselines.pct(report.fineTuneTop1) + " | from random weights "
                + Baselines.pct(report.randomFineTuneTop1) : "", reportFile);
        return 0;
    }
}
