package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.data.ImageFolder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a {@link TrainingRun} does: the self-supervised method, backbone, data set, training regime, epochs, batch,
 * seed, optimizer, evaluation sizes, monitors, training UI, checkpoint policy and output directory, with the
 * defaults of {@code dl4j-ssl train} (each {@link Builder} method is named after the option it mirrors, e.g.
 * {@link Builder#learningRate} for {@code --lr}; the error messages name the options that way).
 *
 * <p>Immutable; {@link Builder#build()} checks every value that needs no data (names, ranges, and options the
 * chosen method, backbone, regime or data set would not use) and throws an {@link IllegalArgumentException}
 * naming the option and the fix, before any data is loaded or any file written. A {@code null} field means "not
 * given": the run uses the default, and an option that only some choices use may be given only with them. The
 * spec is written as JSON ({@link #toJson()}, {@link #fromJson}) into a checkpointed run's directory, where
 * {@link TrainingRun#resume} reads it back.
 */
@JsonDeserialize(builder = RunSpec.Builder.class)
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RunSpec {
    /**
     * Default images per epoch ({@code --train-subset}): 12,000, so that the default run (3 epochs, then the evaluation and
     * every baseline) takes about 5 minutes on 2 cores and its kNN beats the raw pixels' (README, "The default run").
     */
    public static final int DEFAULT_TRAIN_IMAGES = 12_000;
    /**
     * SimCLR's softmax temperature when {@code --temperature} is not given: 0.1, the recipe sweep's recommendation
     * ({@code ./dl4j-ssl experiment recipe-simclr}, docs/experiments/recipe-simclr: against T = 0.5 its linear-probe
     * gain has a paired 95% interval above 0 and its kNN gain one containing 0). {@code SimClr.Builder}'s own default
     * stays 0.5, the SimCLR paper's CIFAR-10 value.
     */
    public static final double SIMCLR_TEMPERATURE = 0.1;
    /**
     * SimSiam's optimizer when {@code --optimizer} and {@code --lr} are not given: Adam at its default 1e-3, the recipe
     * sweep's recommendation ({@code ./dl4j-ssl experiment recipe-simsiam}, docs/experiments/recipe-simsiam: against
     * SGD-Nesterov 0.05 x batch / 256 its kNN gain is +3.00 points, paired 95% interval [0.64, 5.36] over 3 seeds). {@code SimSiam.Builder}'s
     * own default stays the SimSiam paper's SGD.
     */
    public static final String SIMSIAM_OPTIMIZER = "adam";
    /** Default images per batch ({@code --batch-size}), for every method without a batch size of its own recipe. */
    public static final int DEFAULT_BATCH_SIZE = 128;
    /**
     * BYOL's and MoCo v3's batch size when {@code --batch-size} is not given: 64, their recipe sweeps' recommendation
     * against 128 ({@code ./dl4j-ssl experiment recipe-byol}: kNN gain +1.45 points, paired 95% interval [0.76, 2.14]
     * over 3 seeds, linear +0.37 [-1.98, 2.71]; {@code recipe-mocov3}: linear +1.27 [0.87, 1.67], kNN +0.42
     * [-0.84, 1.67]; docs/experiments). At a fixed number of epochs that is also twice the steps, at 14-25% fewer
     * images/s. The method builders have no batch size: the data iterator sets it.
     */
    public static final int SMALL_BATCH_SIZE = 64;
    /** Default images of the kNN memory bank and linear-probe training set ({@code --eval-train-subset}). */
    public static final int DEFAULT_EVAL_TRAIN_IMAGES = 10_000;
    /** Default augmented images of the supervised-from-scratch label-efficiency baseline ({@code --supervised-images}). */
    public static final int DEFAULT_SUPERVISED_IMAGES = 20_000;
    /** Default seed ({@code --seed}). */
    public static final long DEFAULT_SEED = 42;
    /** Default linear-probe epochs ({@code --linear-epochs}). */
    public static final int DEFAULT_LINEAR_EPOCHS = 10;

    private final String method;
    private final String backbone;
    private final String layers;
    private final Double widthMultiplier;
    private final Integer headHidden;
    private final boolean freezePatchEmbedding;
    private final Integer vitDepth;
    private final Integer vitWidth;
    private final Integer vitHeads;
    private final Integer vitPatch;
    private final String dataset;
    @JsonSerialize(using = ToStringSerializer.class)
    private final Path data;
    private final Integer imageSize;
    private final Integer channels;
    private final Double holdout;
    private final Long maxImagePixels;
    private final String regime;
    private final Integer chunkSize;
    private final Integer passes;
    private final Integer workers;
    private final int epochs;
    private final int batchSize;
    private final Integer trainSubset;
    private final long seed;
    private final Double learningRate;
    private final Double temperature;
    private final Double cropScale;
    private final Integer queueSize;
    private final Boolean symmetricLoss;
    private final Double momentum;
    private final String optimizer;
    private final Double weightDecay;
    private final Double trustCoefficient;
    private final String schedule;
    private final Double warmupEpochs;
    private final Integer evalTrainSubset;
    private final Integer evalTestSubset;
    private final int linearEpochs;
    private final List<Integer> labelsPerClass;
    private final int supervisedImages;
    private final String baselineCache;
    private final boolean collapseNormalize;
    private final boolean ui;
    private final Integer uiPort;
    private final Integer checkpointEvery;
    private final int keepCheckpoints;
    private final String nanPolicy;
    private final Integer maxSkippedSteps;
    private final List<Integer> plantNanAt;
    @JsonSerialize(using = ToStringSerializer.class)
    private final Path out;
    private final boolean overwrite;

    private RunSpec(Builder b) {
        method = b.method;
        backbone = b.backbone == null ? "" : b.backbone.trim().toLowerCase(Locale.ROOT); // as Backbones.byName reads it
        layers = b.layers;
        widthMultiplier = b.widthMultiplier;
        headHidden = b.headHidden;
        freezePatchEmbedding = b.freezePatchEmbedding;
        vitDepth = b.vitDepth;
        vitWidth = b.vitWidth;
        vitHeads = b.vitHeads;
        vitPatch = b.vitPatch;
        dataset = b.dataset;
        data = b.data;
        imageSize = b.imageSize;
        channels = b.channels;
        holdout = b.holdout;
        maxImagePixels = b.maxImagePixels;
        regime = b.regime;
        chunkSize = b.chunkSize;
        passes = b.passes;
        workers = b.workers;
        epochs = b.epochs;
        batchSize = b.batchSize != null ? b.batchSize : recipeBatchSize(b.method);
        trainSubset = b.trainSubset;
        seed = b.seed;
        learningRate = b.learningRate;
        temperature = b.temperature;
        cropScale = b.cropScale;
        queueSize = b.queueSize;
        symmetricLoss = b.symmetricLoss;
        momentum = b.momentum;
        optimizer = b.optimizer;
        weightDecay = b.weightDecay;
        trustCoefficient = b.trustCoefficient;
        schedule = b.schedule;
        warmupEpochs = b.warmupEpochs;
        evalTrainSubset = b.evalTrainSubset;
        evalTestSubset = b.evalTestSubset;
        linearEpochs = b.linearEpochs;
        labelsPerClass = List.copyOf(b.labelsPerClass);
        supervisedImages = b.supervisedImages;
        baselineCache = b.baselineCache;
        collapseNormalize = b.collapseNormalize;
        ui = b.ui;
        uiPort = b.uiPort;
        checkpointEvery = b.checkpointEvery;
        keepCheckpoints = b.keepCheckpoints;
        nanPolicy = b.nanPolicy;
        maxSkippedSteps = b.maxSkippedSteps;
        plantNanAt = b.plantNanAt == null ? null : List.copyOf(b.plantNanAt);
        out = b.out;
        overwrite = b.overwrite;
    }

    /** A builder with {@code dl4j-ssl train}'s defaults (SimCLR, small CNN, Fashion-MNIST, 3 epochs of 12,000 images). */
    public static Builder builder() { return new Builder(); }

    /** A builder holding this spec's values, to change some of them. */
    public Builder toBuilder() {
        try {
            return mapper().readValue(toJson(), Builder.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy the run spec: " + e.getMessage(), e);
        }
    }

    /** The spec as JSON (fields not given are left out). */
    public String toJson() {
        try {
            return mapper().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the run spec as JSON: " + e.getMessage(), e);
        }
    }

    /** The spec of {@link #toJson()}'s JSON, checked as {@link Builder#build()} checks it. */
    public static RunSpec fromJson(String json) {
        try {
            return mapper().readValue(json, RunSpec.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a run spec: " + e.getMessage(), e);
        }
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    @Override
    public boolean equals(Object o) { return o instanceof RunSpec s && s.toJson().equals(toJson()); }

    @Override
    public int hashCode() { return toJson().hashCode(); }

    @Override
    public String toString() { return toJson(); }

    public String method() { return method; }
    public String backbone() { return backbone; }
    /**
     * Convolution/batch-norm implementation; when not given, the backend's default ({@link LayerImplementation#DEFAULT}:
     * {@code fused} on the CPU, {@code dl4j} on CUDA). A run records the one it used ({@link #withLayersRecorded()}).
     */
    public String layers() { return layers != null ? layers : LayerImplementation.DEFAULT.id(); }

    /**
     * What a spec saved before the default became {@code fused} (December 2026) without {@code --layers} was built with:
     * {@code native}, the default of that time. {@link TrainingRun#resuming} reads such a spec with it.
     */
    public static final String LAYERS_BEFORE_FUSED_DEFAULT = "native";

    /**
     * This spec with {@code --layers} set to what it resolves to, for a CNN backbone that was given none, so that a run's
     * saved spec resumes with the layers it was built with whatever the default becomes; otherwise this spec.
     */
    public RunSpec withLayersRecorded() {
        return withLayersIfNotGiven(layers());
    }

    /** A saved spec without {@code --layers} for a CNN backbone, read as built before the fused default. */
    RunSpec withLegacyLayers() {
        return withLayersIfNotGiven(LAYERS_BEFORE_FUSED_DEFAULT);
    }

    /** This spec with {@code --layers implementation} for a CNN backbone that was given none; otherwise this spec. */
    private RunSpec withLayersIfNotGiven(String implementation) {
        return layers != null || SpecChecks.VITS.contains(backbone) ? this : toBuilder().layers(implementation).build();
    }
    boolean layersGiven() { return layers != null; }
    public double widthMultiplier() { return widthMultiplier != null ? widthMultiplier : 1; }
    Double widthMultiplierGiven() { return widthMultiplier; }
    public Integer headHidden() { return headHidden; }
    public boolean freezePatchEmbedding() { return freezePatchEmbedding; }
    public Integer vitDepth() { return vitDepth; }
    public Integer vitWidth() { return vitWidth; }
    public Integer vitHeads() { return vitHeads; }
    public Integer vitPatch() { return vitPatch; }
    public String dataset() { return dataset; }
    public Path data() { return data; }
    public int imageSize() { return imageSize != null ? imageSize : 32; }
    public int channels() { return channels != null ? channels : 3; }
    public double holdout() { return holdout != null ? holdout : 0.1; }
    public long maxImagePixels() { return maxImagePixels != null ? maxImagePixels : ImageFolder.DEFAULT_MAX_PIXELS; }
    /** The image-folder options given (each only applies to {@code --dataset folder}). */
    boolean folderOptionGiven(String option) {
        return switch (option) {
            case "--image-size" -> imageSize != null;
            case "--channels" -> channels != null;
            case "--holdout" -> holdout != null;
            default -> maxImagePixels != null;
        };
    }
    public String regime() { return regime; }
    public Integer chunkSize() { return chunkSize; }
    public int passes() { return passes != null ? passes : 2; }
    Integer passesGiven() { return passes; }
    public Integer workers() { return workers; }
    public int epochs() { return epochs; }
    /** {@code --batch-size} as given, or the method's recipe ({@link #recipeBatchSize}). */
    public int batchSize() { return batchSize; }

    /** The batch size of a method's CLI recipe: {@link #SMALL_BATCH_SIZE} for BYOL and MoCo v3, else {@link #DEFAULT_BATCH_SIZE}. */
    public static int recipeBatchSize(String method) {
        return "byol".equalsIgnoreCase(method) || "mocov3".equalsIgnoreCase(method) ? SMALL_BATCH_SIZE : DEFAULT_BATCH_SIZE;
    }
    /** Images per epoch as given, or null for the default ({@value #DEFAULT_TRAIN_IMAGES}, or all when fewer). */
    public Integer trainSubset() { return trainSubset; }
    public long seed() { return seed; }
    public Double learningRate() { return learningRate; }
    public Double temperature() { return temperature; }

    /** {@link #temperature()}, or for SimCLR {@link #SIMCLR_TEMPERATURE}; null (the method's own) for the others. */
    public Double temperatureOrRecipe() {
        return temperature != null ? temperature : "simclr".equalsIgnoreCase(method) ? SIMCLR_TEMPERATURE : null;
    }

    /** {@code --optimizer} as given, or for SimSiam {@link #SIMSIAM_OPTIMIZER}; null (the method's own) for the others. */
    public String optimizerOrRecipe() {
        return optimizer != null ? optimizer : "simsiam".equalsIgnoreCase(method) ? SIMSIAM_OPTIMIZER : null;
    }

    /** The random resized crop's smallest area fraction (the augmentation strength), or null for the default. */
    public Double cropScale() { return cropScale; }

    /** {@link #cropScale()}, or {@link AugmentationPipeline#DEFAULT_CROP_SCALE} when not given. */
    public double cropScaleOrDefault() { return cropScale != null ? cropScale : AugmentationPipeline.DEFAULT_CROP_SCALE; }
    public Integer queueSize() { return queueSize; }
    /** {@code --symmetric-loss} (MoCo v1/v2), or null when not given (the method's one direction). */
    public Boolean symmetricLoss() { return symmetricLoss; }
    public Double momentum() { return momentum; }
    public String optimizer() { return optimizer; }
    public Double weightDecay() { return weightDecay; }
    public Double trustCoefficient() { return trustCoefficient; }
    public String schedule() { return schedule; }
    public Double warmupEpochs() { return warmupEpochs; }
    /** Evaluation training images as given, or null for the default ({@value #DEFAULT_EVAL_TRAIN_IMAGES}, or all when fewer). */
    public Integer evalTrainSubset() { return evalTrainSubset; }
    public Integer evalTestSubset() { return evalTestSubset; }
    public int linearEpochs() { return linearEpochs; }
    public List<Integer> labelsPerClass() { return labelsPerClass; }
    public int supervisedImages() { return supervisedImages; }
    public String baselineCache() { return baselineCache; }
    public boolean collapseNormalize() { return collapseNormalize; }
    public boolean ui() { return ui; }
    public int uiPort() { return uiPort != null ? uiPort : TrainingUi.DEFAULT_PORT; }
    Integer uiPortGiven() { return uiPort; }
    public Integer checkpointEvery() { return checkpointEvery; }
    public int keepCheckpoints() { return keepCheckpoints; }
    public String nanPolicy() { return nanPolicy; }
    public Integer maxSkippedSteps() { return maxSkippedSteps; }
    List<Integer> plantNanAt() { return plantNanAt; }
    public Path out() { return out; }
    public boolean overwrite() { return overwrite; }

    /**
     * Builds a {@link RunSpec}; every setter is named after the {@code dl4j-ssl train} option it mirrors, and a
     * {@code null} argument means "not given" (the default).
     */
    @JsonPOJOBuilder(withPrefix = "")
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    public static final class Builder implements EvaluationSettings<Builder> {
        private String method = "simclr";
        private String backbone = "small-cnn";
        private String layers;
        private Double widthMultiplier;
        private Integer headHidden;
        private boolean freezePatchEmbedding;
        private Integer vitDepth;
        private Integer vitWidth;
        private Integer vitHeads;
        private Integer vitPatch;
        private String dataset = "fashion-mnist";
        private Path data;
        private Integer imageSize;
        private Integer channels;
        private Double holdout;
        private Long maxImagePixels;
        private String regime = "multi-epoch";
        private Integer chunkSize;
        private Integer passes;
        private Integer workers;
        private int epochs = 3;
        private Integer batchSize;
        private Integer trainSubset;
        private long seed = DEFAULT_SEED;
        private Double learningRate;
        private Double temperature;
        private Double cropScale;
        private Integer queueSize;
        private Boolean symmetricLoss;
        private Double momentum;
        private String optimizer;
        private Double weightDecay;
        private Double trustCoefficient;
        private String schedule;
        private Double warmupEpochs;
        private Integer evalTrainSubset;
        private Integer evalTestSubset;
        private int linearEpochs = DEFAULT_LINEAR_EPOCHS;
        private List<Integer> labelsPerClass = List.of();
        private int supervisedImages = DEFAULT_SUPERVISED_IMAGES;
        private String baselineCache;
        private boolean collapseNormalize;
        private boolean ui;
        private Integer uiPort;
        private Integer checkpointEvery;
        private int keepCheckpoints = 3;
        private String nanPolicy = "stop";
        private Integer maxSkippedSteps;
        private List<Integer> plantNanAt;
        private Path out;
        private boolean overwrite;

        private Builder() {
        }

        /** {@code --method}: simclr, simclr-ema, ..., byol, simsiam, mocov1, mocov2, mocov3. Default simclr. */
        public Builder method(String v) { method = v; return this; }
        /** {@code --backbone}: small-cnn, resnet18-cifar, vit-tiny, vit-small. Default small-cnn. */
        public Builder backbone(String v) { backbone = v; return this; }
        /** {@code --layers}: fused, native or dl4j (default: the backend's, {@link LayerImplementation#DEFAULT}); CNN backbones only. */
        public Builder layers(String v) { layers = v; return this; }
        /** {@code --width-multiplier}: factor on a CNN backbone's channels (default 1). */
        public Builder widthMultiplier(Double v) { widthMultiplier = v; return this; }
        /** {@code --head-hidden}: hidden width of the projection and prediction MLPs (default: the method's). */
        public Builder headHidden(Integer v) { headHidden = v; return this; }
        /** {@code --freeze-patch-embedding}: ViT backbones keep the random patch projection fixed (MoCo v3). */
        public Builder freezePatchEmbedding(boolean v) { freezePatchEmbedding = v; return this; }
        /** {@code --vit-depth}. */
        public Builder vitDepth(Integer v) { vitDepth = v; return this; }
        /** {@code --vit-width}. */
        public Builder vitWidth(Integer v) { vitWidth = v; return this; }
        /** {@code --vit-heads}. */
        public Builder vitHeads(Integer v) { vitHeads = v; return this; }
        /** {@code --vit-patch}. */
        public Builder vitPatch(Integer v) { vitPatch = v; return this; }
        /** {@code --dataset}: fashion-mnist (default), cifar10, cifar100, folder. */
        public Builder dataset(String v) { dataset = v; return this; }
        /** {@code --data}: the data set's directory (default for fashion-mnist: the Debian package's). */
        public Builder data(Path v) { data = v; return this; }
        /** {@code --image-size} (folder; default 32). */
        public Builder imageSize(Integer v) { imageSize = v; return this; }
        /** {@code --channels} (folder; default 3). */
        public Builder channels(Integer v) { channels = v; return this; }
        /** {@code --holdout} (folder; default 0.1). */
        public Builder holdout(Double v) { holdout = v; return this; }
        /** {@code --max-image-pixels} (folder). */
        public Builder maxImagePixels(Long v) { maxImagePixels = v; return this; }
        /** {@code --regime}: multi-epoch (default), continual, hybrid (Li, Efros, Pathak 2022). */
        public Builder regime(String v) { regime = v; return this; }
        /** {@code --chunk-size} (continual, hybrid). */
        public Builder chunkSize(Integer v) { chunkSize = v; return this; }
        /** {@code --passes} (hybrid; default 2). */
        public Builder passes(Integer v) { passes = v; return this; }
        /** {@code --workers}: augmentation threads (default: the number of processors). */
        public Builder workers(Integer v) { workers = v; return this; }
        /** {@code --epochs} (default 3). */
        public Builder epochs(int v) { epochs = v; return this; }
        /** {@code --batch-size} (default: the method's recipe, {@link #recipeBatchSize}: 128, BYOL and MoCo v3 64). */
        public Builder batchSize(Integer v) { batchSize = v; return this; }
        /** {@code --train-subset}: images per epoch, 0 = all (default {@value #DEFAULT_TRAIN_IMAGES}, or all when fewer). */
        public Builder trainSubset(Integer v) { trainSubset = v; return this; }
        /** {@code --seed} (default 42). */
        public Builder seed(long v) { seed = v; return this; }
        /** {@code --lr} (default: the optimizer's). */
        public Builder learningRate(Double v) { learningRate = v; return this; }
        /** {@code --temperature} (contrastive methods; default: SimCLR {@value #SIMCLR_TEMPERATURE}, the others' own). */
        public Builder temperature(Double v) { temperature = v; return this; }

        /** {@code --crop-scale}: the random resized crop's smallest area fraction, in (0, 1] (default 0.2). */
        public Builder cropScale(Double v) { cropScale = v; return this; }
        /** {@code --queue-size} (MoCo v1/v2). */
        public Builder queueSize(Integer v) { queueSize = v; return this; }
        /**
         * {@code --symmetric-loss} (MoCo v1/v2): both views are queries and both are keys, the symmetrised loss of
         * MoCo v2's CIFAR demo, instead of the papers' one direction (view 1 queries, view 2 keys).
         */
        public Builder symmetricLoss(Boolean v) { symmetricLoss = v; return this; }
        /** {@code --momentum} (methods with a momentum encoder). */
        public Builder momentum(Double v) { momentum = v; return this; }
        /** {@code --optimizer}: adam, sgd, lars (default: the method's). */
        public Builder optimizer(String v) { optimizer = v; return this; }
        /** {@code --weight-decay}. */
        public Builder weightDecay(Double v) { weightDecay = v; return this; }
        /** {@code --trust-coefficient} (lars). */
        public Builder trustCoefficient(Double v) { trustCoefficient = v; return this; }
        /** {@code --schedule}: constant or warmup-cosine. */
        public Builder schedule(String v) { schedule = v; return this; }
        /** {@code --warmup-epochs} (warmup-cosine). */
        public Builder warmupEpochs(Double v) { warmupEpochs = v; return this; }
        /** {@code --eval-train-subset}: 0 = all (default {@value #DEFAULT_EVAL_TRAIN_IMAGES}, or all when fewer). */
        @Override
        public Builder evalTrainSubset(Integer v) { evalTrainSubset = v; return this; }
        /** {@code --eval-test-subset} (default: all). */
        @Override
        public Builder evalTestSubset(Integer v) { evalTestSubset = v; return this; }
        /** {@code --linear-epochs} (default 10). */
        @Override
        public Builder linearEpochs(int v) { linearEpochs = v; return this; }
        /** {@code --labels-per-class} (default: none). */
        @Override
        public Builder labelsPerClass(List<Integer> v) { labelsPerClass = v == null ? List.of() : v; return this; }
        /** {@code --supervised-images}. */
        @Override
        public Builder supervisedImages(int v) { supervisedImages = v; return this; }
        /** {@code --baseline-cache}: a directory or {@code none} (default: the user's cache directory). */
        @Override
        public Builder baselineCache(String v) { baselineCache = v; return this; }
        /** {@code --collapse-normalize}. */
        public Builder collapseNormalize(boolean v) { collapseNormalize = v; return this; }
        /** {@code --ui}: show the run in the DL4J training UI. */
        public Builder ui(boolean v) { ui = v; return this; }
        /** {@code --ui-port} (with {@code --ui}; default {@value TrainingUi#DEFAULT_PORT}, 0 = any free port). */
        public Builder uiPort(Integer v) { uiPort = v; return this; }
        /** {@code --checkpoint-every}: a checkpoint every N iterations and at each epoch's end (default: none). */
        public Builder checkpointEvery(Integer v) { checkpointEvery = v; return this; }
        /** {@code --keep-checkpoints} (default 3). */
        public Builder keepCheckpoints(int v) { keepCheckpoints = v; return this; }
        /** {@code --nan-policy}: stop (default) or skip. */
        public Builder nanPolicy(String v) { nanPolicy = v; return this; }
        /** {@code --max-skipped-steps} (default: 10% of the run's steps). */
        public Builder maxSkippedSteps(Integer v) { maxSkippedSteps = v; return this; }
        /** Fault injection for tests: the batches of these iterations get a NaN pixel. */
        public Builder plantNanAt(List<Integer> v) { plantNanAt = v; return this; }
        /** {@code --out}: the run directory (default: {@code runs/<timestamp>}, a new one). */
        public Builder out(Path v) { out = v; return this; }
        /** {@code --overwrite}: let {@link #out} name a directory with an earlier run's files, deleting them. */
        public Builder overwrite(boolean v) { overwrite = v; return this; }

        /** The spec, after every check that needs no data ({@link SpecChecks}). */
        public RunSpec build() {
            RunSpec spec = new RunSpec(this);
            SpecChecks.check(spec);
            return spec;
        }
    }
}
