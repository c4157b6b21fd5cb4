package io.github.dl4jssl.train;

import io.github.dl4jssl.layers.NetworkSeed;
import io.github.dl4jssl.listeners.MomentumSchedule;
import io.github.dl4jssl.listeners.NanGuard;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.backbone.VitSmall;
import io.github.dl4jssl.zoo.backbone.VitTiny;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.TrainingRegime;
import io.github.dl4jssl.zoo.method.SslMethods;

import java.util.List;
import java.util.Locale;

/**
 * Every check of a {@link RunSpec} that needs no data, run by {@link RunSpec.Builder#build()}: before any data is
 * loaded and before the run directory is created, so that a refused start costs nothing and leaves nothing behind.
 * Besides ranges and names, an option given that the chosen method, backbone, regime or data set does not use (say
 * a temperature with BYOL) is refused, rather than ignored and written into the report as if used. The messages
 * name the options as {@code dl4j-ssl train} spells them (the builder's methods carry the same names).
 */
public final class SpecChecks {
    /** The methods with a softmax temperature (the contrastive ones; BYOL and SimSiam have none). */
    public static final List<String> WITH_TEMPERATURE = List.of("simclr", "simclr-ema", "simclr-ema-projector",
            "simclr-ema-stages", "mocov1", "mocov2", "mocov3");
    /** The methods with a key queue. */
    public static final List<String> WITH_QUEUE = List.of("mocov1", "mocov2");
    /** The backbones the ViT options configure. */
    public static final List<String> VITS = List.of(VitTiny.NAME, VitSmall.NAME);
    static final List<String> OPTIMIZERS = List.of("adam", "sgd", "lars");
    static final List<String> SCHEDULES = List.of("constant", "warmup-cosine");

    private final RunSpec s;

    private SpecChecks(RunSpec s) {
        this.s = s;
    }

    /** Throws an {@link IllegalArgumentException} naming the first bad option and the fix. */
    static void check(RunSpec spec) {
        SpecChecks c = new SpecChecks(spec);
        c.names();
        c.ranges();
        c.optimizer();
        c.unused();
        c.control();
        port("--ui-port", spec.uiPort());
    }

    private void names() {
        if (!SslMethods.NAMES.contains(s.method())) {
            throw new IllegalArgumentException("unknown --method '" + s.method() + "'; valid methods: " + String.join(", ", SslMethods.NAMES));
        }
        folder(s.dataset(), s.imageSize(), s.channels(), s.holdout(), s.maxImagePixels());
        evaluation(s.labelsPerClass(), s.supervisedImages());
        if (!TrainingRegime.NAMES.contains(s.regime())) {
            throw new IllegalArgumentException("unknown --regime '" + s.regime() + "'; valid regimes: " + String.join(", ", TrainingRegime.NAMES));
        }
        if (!Backbones.NAMES.contains(s.backbone())) {
            throw new IllegalArgumentException("unknown --backbone '" + s.backbone() + "'; valid backbones: " + String.join(", ", Backbones.NAMES));
        }
        try {
            LayerImplementation.byName(s.layers());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --layers '" + s.layers() + "'; valid: dl4j, native, fused", e);
        }
    }

    private void ranges() {
        if (s.epochs() < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, got " + s.epochs());
        }
        if (s.momentum() != null) {
            MomentumSchedule.checkMomentum(s.momentum(), "--momentum");
        }
        if (s.batchSize() < 2) {
            throw new IllegalArgumentException("--batch-size must be at least 2 (NT-Xent needs negatives), got " + s.batchSize());
        }
        for (Integer n : new Integer[]{s.trainSubset(), s.evalTrainSubset(), s.evalTestSubset()}) {
            if (n != null && n < 0) {
                throw new IllegalArgumentException("subset sizes must be positive (or 0 for all), got " + n);
            }
        }
        if (s.linearEpochs() < 1) {
            throw new IllegalArgumentException("--linear-epochs must be at least 1, got " + s.linearEpochs());
        }
        positive("--lr", s.learningRate(), "the optimizer's step size; a negative rate climbs the loss, 0 trains nothing");
    }

    private void optimizer() {
        if (s.optimizer() != null && !OPTIMIZERS.contains(s.optimizer().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown --optimizer '" + s.optimizer() + "'; valid: " + String.join(", ", OPTIMIZERS));
        }
        if (s.schedule() != null && !SCHEDULES.contains(s.schedule().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown --schedule '" + s.schedule() + "'; valid: " + String.join(", ", SCHEDULES));
        }
        Double decay = s.weightDecay();
        if (decay != null && !(decay >= 0 && decay < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--weight-decay must be a finite number >= 0, got " + decay);
        }
        if (s.trustCoefficient() != null && !"lars".equalsIgnoreCase(s.optimizer())) {
            throw new IllegalArgumentException("--trust-coefficient applies to --optimizer lars only");
        }
        Double eta = s.trustCoefficient();
        if (eta != null && !(eta > 0 && eta < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--trust-coefficient must be a positive number (the papers: 0.001), got " + eta);
        }
        if (s.warmupEpochs() != null) {
            if (!"warmup-cosine".equalsIgnoreCase(s.schedule())) {
                throw new IllegalArgumentException("--warmup-epochs applies to --schedule warmup-cosine only");
            }
            if (!(s.warmupEpochs() >= 0 && s.warmupEpochs() < s.epochs())) {
                throw new IllegalArgumentException("--warmup-epochs must be in [0, --epochs) = [0, " + s.epochs() + "), got " + s.warmupEpochs());
            }
        }
        NetworkSeed.check("--seed", s.seed());
        positive("--temperature", s.temperature(), "the softmax temperature divides the similarities");
        if (s.cropScale() != null && !(s.cropScale() > 0 && s.cropScale() <= 1)) {
            throw new IllegalArgumentException("--crop-scale must lie in (0, 1] (the smallest area fraction the random resized crop "
                    + "keeps, e.g. 0.2), got " + s.cropScale());
        }
        positive("--width-multiplier", s.widthMultiplierGiven(), "the factor on every layer's channels");
        atLeast("--workers", s.workers(), 0, "0 augments on the training thread");
        atLeast("--queue-size", s.queueSize(), 1, "the number of keys MoCo keeps");
        atLeast("--chunk-size", s.chunkSize(), 1, "images per chunk");
        atLeast("--head-hidden", s.headHidden(), 1, "the hidden width of the default MLP heads");
        atLeast("--passes", s.passesGiven(), 2, "the hybrid regime's passes over each chunk");
        for (Integer v : new Integer[]{s.vitDepth(), s.vitWidth(), s.vitHeads(), s.vitPatch()}) {
            atLeast("--vit-depth, --vit-width, --vit-heads and --vit-patch", v, 1, "sizes of the Vision Transformer");
        }
    }

    private void unused() {
        String method = s.method();
        refuseUnless("--temperature", s.temperature() != null, WITH_TEMPERATURE.contains(method), "--method " + method, "--method", WITH_TEMPERATURE);
        refuseUnless("--queue-size", s.queueSize() != null, WITH_QUEUE.contains(method), "--method " + method, "--method", WITH_QUEUE);
        refuseUnless("--symmetric-loss", Boolean.TRUE.equals(s.symmetricLoss()), WITH_QUEUE.contains(method), "--method " + method, "--method", WITH_QUEUE);
        refuseUnless("--momentum", s.momentum() != null, SslMethods.WITH_MOMENTUM.contains(method), "--method " + method
                + " (it has no momentum encoder)", "--method", SslMethods.WITH_MOMENTUM);
        String regime = s.regime().toLowerCase(Locale.ROOT);
        refuseUnless("--chunk-size", s.chunkSize() != null, !regime.equals(TrainingRegime.MULTI_EPOCH), "--regime " + regime,
                "--regime", List.of(TrainingRegime.CONTINUAL, TrainingRegime.HYBRID));
        refuseUnless("--passes", s.passesGiven() != null, regime.equals(TrainingRegime.HYBRID), "--regime " + regime, "--regime",
                List.of(TrainingRegime.HYBRID));
        boolean vit = VITS.contains(s.backbone());
        Object[] vitOptions = {s.vitDepth(), s.vitWidth(), s.vitHeads(), s.vitPatch(), s.freezePatchEmbedding() ? true : null};
        String[] vitNames = {"--vit-depth", "--vit-width", "--vit-heads", "--vit-patch", "--freeze-patch-embedding"};
        for (int i = 0; i < vitNames.length; i++) {
            refuseUnless(vitNames[i], vitOptions[i] != null, vit, "--backbone " + s.backbone(), "--backbone", VITS);
        }
        List<String> cnns = Backbones.NAMES.stream().filter(b -> !VITS.contains(b)).toList();
        refuseUnless("--width-multiplier", s.widthMultiplierGiven() != null, !vit, "--backbone " + s.backbone() + " (use --vit-width)", "--backbone", cnns);
        refuseUnless("--layers", s.layersGiven(), !vit, "--backbone " + s.backbone(), "--backbone", cnns);
        boolean folder = Datasets.FOLDER.equals(Datasets.normalise(s.dataset()));
        for (String option : new String[]{"--image-size", "--channels", "--holdout", "--max-image-pixels"}) {
            refuseUnless(option, s.folderOptionGiven(option), folder, "--dataset " + s.dataset(), "--dataset", List.of(Datasets.FOLDER));
        }
        if (s.uiPortGiven() != null && !s.ui()) {
            throw new IllegalArgumentException("--ui-port is not used without --ui; add --ui to show the run in the training UI, or remove --ui-port");
        }
    }

    /** The fault-tolerance options. */
    private void control() {
        nanPolicy(s.nanPolicy());
        if (s.checkpointEvery() != null && s.checkpointEvery() < 1) {
            throw new IllegalArgumentException("--checkpoint-every must be at least 1 iteration, got " + s.checkpointEvery());
        }
        if (s.keepCheckpoints() < 1) {
            throw new IllegalArgumentException("--keep-checkpoints must be at least 1, got " + s.keepCheckpoints());
        }
        if (s.maxSkippedSteps() != null && s.maxSkippedSteps() < 0) {
            throw new IllegalArgumentException("--max-skipped-steps must be at least 0, got " + s.maxSkippedSteps());
        }
    }

    /** The NaN policy of {@code --nan-policy} (stop or skip). */
    static NanGuard.Policy nanPolicy(String name) {
        try {
            return NanGuard.Policy.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown --nan-policy '" + name + "'; valid: stop, skip");
        }
    }

    /** Fails on a folder option out of range (other data sets ignore them), naming the option. */
    public static void folder(String dataset, int imageSize, int channels, double holdout, long maxImagePixels) {
        if (!Datasets.FOLDER.equals(Datasets.normalise(dataset))) {
            return;
        }
        if (imageSize < 1) {
            throw new IllegalArgumentException("--image-size must be at least 1 pixel, got " + imageSize);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("--channels must be 1 (greyscale) or 3 (RGB), got " + channels);
        }
        if (!(holdout > 0 && holdout < 1)) {
            throw new IllegalArgumentException("--holdout must be in (0, 1) for evaluation, got " + holdout);
        }
        if (maxImagePixels < 1) {
            throw new IllegalArgumentException("--max-image-pixels must be at least 1, got " + maxImagePixels);
        }
    }

    /** Fails on bad label-efficiency options, naming the option and the fix. */
    public static void evaluation(List<Integer> labelsPerClass, int supervisedImages) {
        for (Integer n : labelsPerClass) {
            if (n == null || n < 1) {
                throw new IllegalArgumentException("--labels-per-class takes positive image counts per class, e.g. 10,100; got " + n);
            }
        }
        if (supervisedImages < 1) {
            throw new IllegalArgumentException("--supervised-images must be at least 1, got " + supervisedImages);
        }
    }

    /** Fails on a port outside 0..65535, naming {@code option}. */
    public static void port(String option, int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException(option + " must be in 0..65535 (0 = any free port), got " + port);
        }
    }

    /** Refuses {@code option} when given but not used by {@code choice}. */
    private static void refuseUnless(String option, boolean given, boolean used, String choice, String chooser, List<String> usedBy) {
        if (!used && given) {
            throw new IllegalArgumentException(option + " is not used by " + choice + "; it applies to " + chooser + " "
                    + String.join(", ", usedBy) + ". Remove " + option + " (it would be ignored)");
        }
    }

    /** A positive finite number, if given. */
    public static void positive(String option, Double value, String what) {
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
