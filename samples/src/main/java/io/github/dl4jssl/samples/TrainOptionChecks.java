package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.backbone.VitSmall;
import io.github.dl4jssl.zoo.backbone.VitTiny;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.TrainingRegime;
import io.github.dl4jssl.zoo.method.SslMethods;
import picocli.CommandLine.ParseResult;

import java.util.List;
import java.util.Locale;

/**
 * Every check of {@code train}'s options that needs no data: run before any data is loaded and before the run
 * directory is created, so that a refused start costs nothing and leaves nothing behind. Besides ranges and names,
 * an option given on the command line that the chosen method, backbone, regime or data set does not use (say
 * {@code --temperature} with BYOL) is refused, rather than ignored and written into the report as if used.
 */
final class TrainOptionChecks {
    /** The methods with a softmax temperature (the contrastive ones; BYOL and SimSiam have none). */
    static final List<String> WITH_TEMPERATURE = List.of("simclr", "simclr-ema", "simclr-ema-projector", "simclr-ema-stages",
            "mocov1", "mocov2", "mocov3");
    /** The methods with a key queue. */
    static final List<String> WITH_QUEUE = List.of("mocov1", "mocov2");
    /** The backbones --vit-* and --freeze-patch-embedding configure. */
    static final List<String> VITS = List.of(VitTiny.NAME, VitSmall.NAME);

    private final TrainCommand c;
    private final ParseResult given;

    private TrainOptionChecks(TrainCommand c) {
        this.c = c;
        this.given = c.spec.commandLine().getParseResult();
    }

    /** Throws an {@link IllegalArgumentException} naming the first bad option and the fix. */
    static void check(TrainCommand c) {
        new TrainOptionChecks(c).all();
    }

    private void all() {
        names();
        ranges();
        unused();
        c.control.validate();
        c.ui.validate();
    }

    private void names() {
        if (!TrainCommand.METHODS.contains(c.method)) {
            throw new IllegalArgumentException("unknown --method '" + c.method + "'; valid methods: " + String.join(", ", TrainCommand.METHODS));
        }
        c.dataOptions.validate();
        c.evalOptions.validate();
        if (!TrainingRegime.NAMES.contains(c.regime)) {
            throw new IllegalArgumentException("unknown --regime '" + c.regime + "'; valid regimes: " + String.join(", ", TrainingRegime.NAMES));
        }
        c.backbone = c.backbone == null ? "" : c.backbone.trim().toLowerCase(Locale.ROOT); // as Backbones.byName reads it
        if (!Backbones.NAMES.contains(c.backbone)) {
            throw new IllegalArgumentException("unknown --backbone '" + c.backbone + "'; valid backbones: " + String.join(", ", Backbones.NAMES));
        }
        try {
            LayerImplementation.byName(c.layers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --layers '" + c.layers + "'; valid: dl4j, native", e);
        }
    }

    private void ranges() {
        if (c.epochs < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, got " + c.epochs);
        }
        if (c.momentum != null && !(c.momentum >= 0 && c.momentum <= 1)) {
            throw new IllegalArgumentException("--momentum must be in [0, 1] (target = m * target + (1 - m) * online), got " + c.momentum);
        }
        if (c.batchSize < 2) {
            throw new IllegalArgumentException("--batch-size must be at least 2 (NT-Xent needs negatives), got " + c.batchSize);
        }
        for (Integer n : new Integer[]{c.trainSubset, c.evalOptions.evalTrainSubset, c.evalOptions.evalTestSubset}) {
            if (n != null && n < 0) {
                throw new IllegalArgumentException("subset sizes must be positive (or 0 for all), got " + n);
            }
        }
        if (c.evalOptions.linearEpochs < 1) {
            throw new IllegalArgumentException("--linear-epochs must be at least 1, got " + c.evalOptions.linearEpochs);
        }
        positive("--lr", c.learningRate, "the optimizer's step size; a negative rate climbs the loss, 0 trains nothing");
        c.optimizerOptions.validate(c.learningRate, c.epochs);
        positive("--temperature", c.temperature, "the softmax temperature divides the similarities");
        if (!(c.cropScale > 0 && c.cropScale <= 1)) {
            throw new IllegalArgumentException("--crop-scale must lie in (0, 1] (the smallest area fraction the random resized crop "
                    + "keeps, e.g. 0.2), got " + c.cropScale);
        }
        positive("--width-multiplier", c.widthMultiplier, "the factor on every layer's channels");
        atLeast("--workers", c.workers, 0, "0 augments on the training thread");
        atLeast("--queue-size", c.queueSize, 1, "the number of keys MoCo keeps");
        atLeast("--chunk-size", c.chunkSize, 1, "images per chunk");
        atLeast("--head-hidden", c.headHidden, 1, "the hidden width of the default MLP heads");
        atLeast("--passes", c.passes, 2, "the hybrid regime's passes over each chunk");
        for (Integer v : new Integer[]{c.vit.depth, c.vit.width, c.vit.heads, c.vit.patch}) {
            atLeast("--vit-depth, --vit-width, --vit-heads and --vit-patch", v, 1, "sizes of the Vision Transformer");
        }
    }

    private void unused() {
        String method = c.method;
        refuseUnless("--temperature", WITH_TEMPERATURE.contains(method), "--method " + method, "--method", WITH_TEMPERATURE);
        refuseUnless("--queue-size", WITH_QUEUE.contains(method), "--method " + method, "--method", WITH_QUEUE);
        refuseUnless("--momentum", SslMethods.WITH_MOMENTUM.contains(method), "--method " + method
                + " (it has no momentum encoder)", "--method", SslMethods.WITH_MOMENTUM);
        String regime = c.regime.toLowerCase(Locale.ROOT);
        refuseUnless("--chunk-size", !regime.equals(TrainingRegime.MULTI_EPOCH), "--regime " + regime, "--regime",
                List.of(TrainingRegime.CONTINUAL, TrainingRegime.HYBRID));
        refuseUnless("--passes", regime.equals(TrainingRegime.HYBRID), "--regime " + regime, "--regime", List.of(TrainingRegime.HYBRID));
        boolean vit = VITS.contains(c.backbone);
        for (String option : new String[]{"--vit-depth", "--vit-width", "--vit-heads", "--vit-patch", "--freeze-patch-embedding"}) {
            refuseUnless(option, vit, "--backbone " + c.backbone, "--backbone", VITS);
        }
        List<String> cnns = Backbones.NAMES.stream().filter(b -> !VITS.contains(b)).toList();
        refuseUnless("--width-multiplier", !vit, "--backbone " + c.backbone + " (use --vit-width)", "--backbone", cnns);
        refuseUnless("--layers", !vit, "--backbone " + c.backbone, "--backbone", cnns);
        boolean folder = Datasets.FOLDER.equals(Datasets.normalise(c.dataOptions.dataset));
        for (String option : new String[]{"--image-size", "--channels", "--holdout", "--max-image-pixels"}) {
            refuseUnless(option, folder, "--dataset " + c.dataOptions.dataset, "--dataset", List.of(Datasets.FOLDER));
        }
        if (given.hasMatchedOption("--ui-port") && !c.ui.enabled) {
            throw new IllegalArgumentException("--ui-port is not used without --ui; add --ui to show the run in the training UI, or remove --ui-port");
        }
    }

    /** Refuses {@code option} when given on the command line but not used by {@code choice}. */
    private void refuseUnless(String option, boolean used, String choice, String chooser, List<String> usedBy) {
        if (!used && given.hasMatchedOption(option)) {
            throw new IllegalArgumentException(option + " is not used by " + choice + "; it applies to " + chooser + " "
                    + String.join(", ", usedBy) + ". Remove " + option + " (it would be ignored)");
        }
    }

    /** A positive finite number, if given. */
    static void positive(String option, Double value, String what) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(option + " must be a positive finite number (" + what + "), got " + value);
        }
    }

    private static void atLeast(String option, Integer value, int min, String what) {
        if (value != null && value < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + " (" + what + "), got " + value);
        }
    }
}
