package io.github.dl4jssl.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What one training run measured, written as {@code report.json}: the trained backbone's kNN and linear
 * probe accuracy next to the same backbone with its random initial weights and next to the raw pixels under the
 * same protocol, so every run shows what training added and whether the features beat no network at all.
 */
public final class RunReport {
    public String method;
    public String backbone;
    /** The backbone with its sizes, e.g. "vit-tiny(28x28x1, patch 4, width 192, depth 12, heads 3)". */
    public String backboneDetails;
    /** ViT backbones: whether the patch projection was frozen (MoCo v3's fix); null for backbones without one. */
    public Boolean patchEmbeddingFrozen;
    /** Factor on the backbone's channels (1 = the architecture's own widths). */
    public double widthMultiplier = 1.0;
    public String dataset;
    public int epochs;
    public int batchSize;
    public long seed;
    /** The temperature and Adam learning rate given on the command line; null = the method's defaults. */
    public Double temperature;
    public Double learningRate;
    /** The random resized crop's smallest area fraction (the augmentation strength); null in older reports. */
    public Double cropScale;
    /** The number K of past keys in MoCo v1/v2's queue, as the run's InfoNCE layer holds it; null without a queue. */
    public Integer queueSize;
    /** MoCo v1/v2's {@code --symmetric-loss} as given (true: both views are queries); null when not given. */
    public Boolean symmetricLoss;
    /** The optimizer the network trained with, as its DL4J configuration prints it (e.g. "Lars(lr=..., ...)"). */
    public String optimizer;
    /** The learning-rate schedule: constant or warmup-cosine. */
    public String schedule;
    /** The weight decay on the weights (inside LARS's trust ratio, or DL4J's decoupled decay); 0 = none. */
    public Double weightDecay;
    public long parameters;
    /**
     * Training images per epoch (source images, not views) actually trained on: full batches only, so a
     * {@code --train-subset} the batch size does not divide counts its whole batches (the remainder is left out).
     */
    public int trainImages;
    /** Training regime: multi-epoch, continual or hybrid (Li, Efros, Pathak 2022). */
    public String regime;
    /** Distinct images the regime trained on (multi-epoch: trainImages; continual: epochs x trainImages). */
    public int distinctTrainImages;
    /** Image files that could not be read and were skipped (folder data sets). */
    public int skippedImages;
    /** Training steps skipped for a NaN or infinite loss ({@code --nan-policy skip}), resumed parts included. */
    public int skippedSteps;
    public int evalTrainImages;
    public int evalTestImages;
    /** Training throughput, both views counted. */
    public double imagesPerSecond;
    public double trainSeconds;
    public double totalSeconds;
    /** Weighted kNN top-1 on the backbone's features as they are, and standardised per dimension (bank statistics). */
    public double knnTop1;
    public double knnTop1Standardised;
    public double linearTop1;
    public double linearTop5;
    /** The same for the same backbone with random weights. */
    public double randomKnnTop1;
    public double randomKnnTop1Standardised;
    public double randomLinearTop1;
    public double randomLinearTop5;
    /** The same protocol (same kNN, bank, test images and linear probe) on the raw pixels: no network at all. */
    public double rawPixelKnnTop1;
    public double rawPixelKnnTop1Standardised;
    public double rawPixelLinearTop1;
    public double rawPixelLinearTop5;
    /** {@code --labels-per-class}: the few-label evaluation, one row per subset size (empty when not asked for). */
    public List<LabelEfficiencyResult> labelEfficiency = new ArrayList<>();
    /** {@code eval}: the model file evaluated; null for {@code train}. */
    public String model;
    /** {@code eval --fine-tune-epochs N}: N and the fine-tuned network's test accuracy (0 when not fine-tuned). */
    public int fineTuneEpochs;
    public double fineTuneTop1;
    public double fineTuneTop5;
    /** {@code eval --fine-tune-epochs N}: the same fine-tuning of the same architecture from random weights, on the same labels. */
    public double randomFineTuneTop1;
    public double randomFineTuneTop5;
    /** Mean training loss of each epoch. */
    public List<Double> lossPerEpoch = new ArrayList<>();
    /** kNN top-1 of the per-epoch monitor (on its subsets; index 0 = before training). */
    public List<Double> knnMonitorPerEpoch = new ArrayList<>();

    /**
     * Which collapse AUC {@link #collapseAucPerEpoch} holds: {@value #EQUATION_2} (Li, Efros, Pathak 2022, Equation 2,
     * on the singular values; see {@code CollapseMetrics}). Null in reports written before, whose collapse AUC was
     * the variance AUC: {@link #read} moves those values to {@link #varianceAucPerEpoch}.
     */
    public String collapseMetric;
    /** Whether the collapse metrics L2-normalised each embedding first (the authors' {@code --normalize}). */
    public boolean collapseNormalized;
    /**
     * Collapse AUC (Li, Efros, Pathak 2022, Equation 2) of the backbone features on the probe set per epoch
     * (index 0 = before training).
     */
    public List<Double> collapseAucPerEpoch = new ArrayList<>();
    /** Variance AUC (squared singular values, PCA's explained variance) of the backbone features per epoch. */
    public List<Double> varianceAucPerEpoch = new ArrayList<>();
    /** Collapse AUC, variance AUC and effective rank of the projector output per epoch (index 0 = before training). */
    public List<Double> projectorCollapseAucPerEpoch = new ArrayList<>();
    public List<Double> projectorVarianceAucPerEpoch = new ArrayList<>();
    public List<Double> projectorRankMePerEpoch = new ArrayList<>();
    /**
     * The trained (train) or evaluated (eval) backbone's final collapse AUC (Equation 2), variance AUC and RankMe
     * on the probe images; null when not measured.
     */
    public Double collapseAuc;
    public Double varianceAuc;
    public Double rankMe;
    /** Effective rank (RankMe) of the backbone features per epoch (index 0 = before training). */
    public List<Double> rankMePerEpoch = new ArrayList<>();
    /** Each gradient block's norm fluctuation (std / mean) over the last window of the run. */
    public java.util.Map<String, Double> gradientFluctuation = new java.util.LinkedHashMap<>();
    /**
     * Each gradient block's spikes: the iterations at which the monitor's spike detector flagged one (a burst counts
     * once; see {@code SpikeDetector}). After a resume only those of the resumed part.
     */
    public java.util.Map<String, List<Integer>> gradientSpikes = new java.util.LinkedHashMap<>();

    /** Writes the report atomically (temporary file, then rename). */
    public void write(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        mapper.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a report; one written before the collapse AUC followed Equation 2 ({@link #collapseMetric} null) gets
     * its old collapse AUC values (the variance AUC) moved to the variance AUC fields, and no collapse AUC.
     */
    public static RunReport read(Path file) throws IOException {
        RunReport r = new ObjectMapper().readValue(file.toFile(), RunReport.class);
        if (r.collapseMetric == null) {
            if (r.varianceAucPerEpoch.isEmpty()) {
                r.varianceAucPerEpoch = r.collapseAucPerEpoch;
            }
            if (r.projectorVarianceAucPerEpoch.isEmpty()) {
                r.projectorVarianceAucPerEpoch = r.projectorCollapseAucPerEpoch;
            }
            r.collapseAucPerEpoch = new ArrayList<>();
            r.projectorCollapseAucPerEpoch = new ArrayList<>();
        }
        return r;
    }

    /** The value of {@link #collapseMetric} for Li, Efros, Pathak's Equation 2. */
    public static final String EQUATION_2 = "li-efros-pathak-2022-equation-2";
}
