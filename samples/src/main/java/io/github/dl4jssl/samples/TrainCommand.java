package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.DatasetSetup;
import io.github.dl4jssl.train.RunSpec;
import io.github.dl4jssl.train.TrainingRun;
import io.github.dl4jssl.zoo.method.SslMethods;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl train}: self-supervised pre-training on a data set, then kNN and linear-probe evaluation
 * of the trained backbone and of the same backbone with random weights; writes {@code report.json},
 * {@code history.csv}, PNG plots and the trained model to the output directory. A thin mapping of the options to a
 * {@link RunSpec}, run by {@link TrainingRun} (the API Java programs call).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Pre-train a backbone with a self-supervised method, then evaluate it (kNN, linear probe).")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--method", defaultValue = "simclr", description = "Method: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = MethodNames.class)
    String method;

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

    @Option(names = "--layers",
            description = "Convolution/batch-norm implementation: fused (native, each conv + BN + ReLU block as one layer; fastest on"
                    + " the CPU), native (libnd4j ops) or dl4j (DL4J's layers); the same results. Default: the backend's (fused on"
                    + " the CPU, dl4j on CUDA); a resumed run keeps its own.")
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

    @Option(names = "--batch-size", description = "Images per batch (each gives two views). Default: 128; byol and mocov3 64 (their recipe sweeps).")
    Integer batchSize;

    @Option(names = "--train-subset", defaultValue = "" + RunSpec.DEFAULT_TRAIN_IMAGES,
            description = "Train on the first N training images (0 = all 60,000). Default: ${DEFAULT-VALUE}, sized for a 5-minute default run on 2 cores.")
    Integer trainSubset;

    @Option(names = "--temperature", description = "Softmax temperature of the contrastive losses (default: SimCLR 0.1, chosen by experiment recipe-simclr; the other methods' own, e.g. MoCo v2 0.2).")
    Double temperature;

    @Option(names = "--crop-scale", description = "Augmentation strength: the smallest area fraction, in (0, 1], the random resized crop keeps"
            + " (smaller = harder views; SimCLR's ImageNet recipe 0.08, MoCo v2's 0.2). Default: 0.2.")
    Double cropScale;

    @Option(names = "--queue-size", description = "MoCo v1/v2 key-queue size (default: 65536, or 4096 when the training set is smaller than that).")
    Integer queueSize;

    @Option(names = "--symmetric-loss", description = "MoCo v1/v2: both views are queries and keys (the symmetrised loss of MoCo's CIFAR demo), not only view 1.")
    Boolean symmetricLoss;

    @Option(names = "--momentum", description = "Target-branch momentum in [0, 1] of the methods with one (MoCo: m; BYOL, MoCo v3, SimCLR-EMA: its start value). Default: the method's.")
    Double momentum;

    @Option(names = "--collapse-normalize",
            description = "Collapse monitor: L2-normalise each embedding before centring, as the --normalize of Li, Efros, Pathak's test_collapse.py (default: off, as in their code).")
    boolean collapseNormalize;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", description = "Output directory (default: runs/<timestamp>, a new one). A directory that holds files is refused unless --overwrite is given.")
    Path out;

    @Option(names = "--overwrite", description = "Let --out name a directory that holds files: an earlier run's files there are deleted first.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions dataOptions = new DataOptions();
    @Mixin
    EvalOptions evalOptions = new EvalOptions();
    @Mixin
    ControlOptions control;
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
            super(SslMethods.NAMES);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (control.resume != null) {
            return control.resume();
        }
        TrainingRun.of(runSpec()).messagesTo(new PrintWriter(System.err, true)).datasetSetup(setup).run();
        return 0;
    }

    /** The options as a run spec (checked: a bad option fails here, naming the option and the fix). */
    RunSpec runSpec() {
        Given given = new Given(spec);
        RunSpec.Builder b = RunSpec.builder().method(method).regime(regime).chunkSize(chunkSize)
                .passes(given.value("--passes", passes)).workers(workers).backbone(backbone)
                .layers(given.value("--layers", layers)).widthMultiplier(given.value("--width-multiplier", widthMultiplier))
                .headHidden(headHidden).epochs(epochs).batchSize(batchSize).trainSubset(given.value("--train-subset", trainSubset))
                .temperature(temperature).cropScale(cropScale).queueSize(queueSize).symmetricLoss(symmetricLoss).momentum(momentum).collapseNormalize(collapseNormalize)
                .seed(seed).out(out).overwrite(overwrite);
        dataOptions.apply(b, given);
        evalOptions.apply(b, given);
        control.apply(b);
        ui.apply(b, given);
        vit.apply(b);
        return optimizerOptions.apply(b).build();
    }
}
