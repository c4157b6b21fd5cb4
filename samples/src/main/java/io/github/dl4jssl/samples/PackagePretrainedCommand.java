package io.github.dl4jssl.samples;

import io.github.dl4jssl.pretrained.Pretrained;
import io.github.dl4jssl.pretrained.PretrainedCard;
import io.github.dl4jssl.pretrained.SubsetKnn;
import io.github.dl4jssl.samples.experiment.Machine;
import io.github.dl4jssl.train.RunDirectory;
import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.SavedBackbone;
import io.github.dl4jssl.zoo.data.Datasets;
import org.deeplearning4j.util.ModelSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl pretrained package}: turns a finished {@code train} run into a shipped backbone of
 * {@code ssl-pretrained}: its {@code backbone.zip} (saved again without updater state, to keep the artifact small) as
 * {@code NAME.zip}, the card {@code NAME.json} (from the run's {@code report.json}, the command and code version
 * given, this machine, and the fixed-subset kNN measured here) and the name in {@value Pretrained#INDEX}.
 * {@code scripts/regenerate-pretrained.sh} runs it for every card after re-running the card's command.
 */
@Command(name = "package", mixinStandardHelpOptions = true,
        description = "Add (or replace) a pretrained backbone in ssl-pretrained from a finished train run.")
public final class PackagePretrainedCommand implements Callable<Integer> {
    /** The resources folder of ssl-pretrained, from the repository root. */
    static final Path DEFAULT_INTO = Path.of("ssl-pretrained/src/main/resources").resolve(Pretrained.FOLDER);

    @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "A finished train run (report.json, backbone.zip).")
    Path run;

    @Option(names = "--name", required = true, description = "The backbone's name, e.g. simclr-small-cnn-fashion-mnist.")
    String name;

    @Option(names = "--command", required = true, description = "The exact command that made the run, for the card.")
    String command;

    @Option(names = "--code-version", required = true, description = "The git commit the command ran at, for the card.")
    String codeVersion;

    @Option(names = "--data", paramLabel = "DIR", description = "The data set's directory (default: its standard one).")
    Path data;

    @Option(names = "--check-bank", defaultValue = "2000", description = "kNN bank of the card's check: the first N training images. Default: ${DEFAULT-VALUE}.")
    int checkBank;

    @Option(names = "--check-test", defaultValue = "2000", description = "Queries of the card's check: the first N test images. Default: ${DEFAULT-VALUE}.")
    int checkTest;

    @Option(names = "--into", paramLabel = "DIR", description = "Where the weights and cards go. Default: " + "ssl-pretrained/src/main/resources/"
            + Pretrained.FOLDER + ".")
    Path into = DEFAULT_INTO;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!name.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("--name " + name + ": use lower-case words joined by '-', e.g. simclr-small-cnn-fashion-mnist");
        }
        Path reportFile = run.resolve(RunDirectory.REPORT);
        if (!Files.isRegularFile(reportFile) || !Files.isRegularFile(run.resolve("backbone.zip"))) {
            throw new IllegalArgumentException("--run " + run + " holds no finished train run (report.json and backbone.zip)");
        }
        if (!Files.isDirectory(into)) {
            throw new IllegalArgumentException("--into " + into + " is not a directory; run from the repository root or give ssl-pretrained's "
                    + "resources folder " + DEFAULT_INTO);
        }
        RunReport report = RunReport.read(reportFile);
        Datasets.Split split = Datasets.load(report.dataset, Datasets.Options.of(data));
        SavedBackbone saved = SavedBackbone.load(run.resolve("backbone.zip"), split.train().features().shape());
        Path weights = into.resolve(name + ".zip");
        ModelSerializer.writeModel(saved.graph(), weights.toFile(), false);
        SavedBackbone.tag(weights, saved.backbone());
        double check = SubsetKnn.top1(saved.graph(), split.train(), split.test(), checkBank, checkTest);
        long[] in = split.train().features().shape();
        int featureSize = (int) saved.graph().outputSingle(false, split.train().subset(2).features()).size(1);
        PretrainedCard card = new PretrainedCard(name, report.method, report.backbone, report.widthMultiplier, report.dataset,
                List.of((int) in[1], (int) in[2], (int) in[3]), featureSize, command, codeVersion, report.seed,
                report.epochs, report.trainImages, report.trainSeconds, report.totalSeconds, Machine.describe(),
                LocalDate.now().toString(),
                new PretrainedCard.Evaluation(report.evalTrainImages, report.evalTestImages, report.knnTop1, report.linearTop1,
                        report.randomKnnTop1, report.randomLinearTop1, report.rawPixelKnnTop1, report.rawPixelLinearTop1),
                new PretrainedCard.SubsetCheck(checkBank, checkTest, check), Files.size(weights));
        card.write(into.resolve(name + ".json"));
        Path index = into.resolve(Pretrained.INDEX);
        if (Files.readAllLines(index).stream().map(String::strip).noneMatch(name::equals)) {
            Files.writeString(index, name + "\n", StandardOpenOption.APPEND);
        }
        spec.commandLine().getOut().println(card.describe());
        spec.commandLine().getOut().println("wrote " + weights + ", " + into.resolve(name + ".json") + " and " + index);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
