package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunSpec;
import picocli.CommandLine.Option;

/**
 * The optimizer options of {@code train} (a picocli mixin): the optimizer (Adam, SGD with momentum, LARS), its learning
 * rate, weight decay and learning-rate schedule (constant, or SimCLR / BYOL / MoCo v3's linear warm-up then cosine
 * decay), for every method. Without them each method keeps its own optimizer, except SimSiam, which trains with Adam
 * ({@link RunSpec#SIMSIAM_OPTIMIZER}, the recipe sweep's choice); MoCo v3 on a ViT keeps its AdamW on warm-up + cosine.
 */
final class OptimizerOptions {

    @Option(names = "--lr", description = "Learning rate (peak rate with --schedule warmup-cosine) of --optimizer, Adam if none is given"
            + " (default: the optimizer's: adam 1e-3, sgd 0.05 x batch / 256, lars 0.3 x batch / 256; MoCo v3 on a ViT: AdamW 1.5e-4 x batch / 256).")
    Double learningRate;

    @Option(names = "--optimizer", description = "Optimizer: adam, sgd (momentum 0.9, Nesterov, as the MoCo default"
            + " here and the SimSiam paper's) or lars (You et al. 2017; momentum 0.9, no decay or adaptation for biases and"
            + " BatchNorm). Default: the method's own (SimCLR, BYOL, MoCo v3: Adam 1e-3; MoCo v1/v2: sgd), adam for SimSiam"
            + " (experiment recipe-simsiam), or adam with --lr.")
    String optimizer;

    @Option(names = "--weight-decay", description = "Weight decay on the weights (LARS: inside its trust ratio; otherwise"
            + " DL4J's decoupled decay). Default: the method's (SimCLR 1e-6, BYOL 1.5e-6, MoCo/SimSiam 1e-4, MoCo v3 on a ViT 0.1).")
    Double weightDecay;

    @Option(names = "--trust-coefficient", description = "LARS trust coefficient eta > 0. Default: 0.001 (the papers').")
    Double trustCoefficient;

    @Option(names = "--schedule", description = "Learning-rate schedule: constant or warmup-cosine (linear warm-up, then"
            + " cosine decay to 0 at the end of the run). Default: constant (MoCo v3 on a ViT: warmup-cosine).")
    String schedule;

    @Option(names = "--warmup-epochs", description = "warmup-cosine: epochs of linear warm-up, may be fractional (default:"
            + " 40/300 of the run, MoCo v3's).")
    Double warmupEpochs;

    /** Puts these options into {@code b}. */
    RunSpec.Builder apply(RunSpec.Builder b) {
        return b.learningRate(learningRate).optimizer(optimizer).weightDecay(weightDecay).trustCoefficient(trustCoefficient)
                .schedule(schedule).warmupEpochs(warmupEpochs);
    }
}
