package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.ClassBalancedSubset;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import io.github.dl4jssl.listeners.eval.FineTune;
import io.github.dl4jssl.listeners.eval.LinearProbe;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The semi-supervised evaluation protocol with few labels (Chen et al., SimCLR, ICML 2020, Section 4.2; Grill et al.,
 * BYOL, NeurIPS 2020, Section 4): with n labelled training images per class (fixed, seeded, class-balanced subsets,
 * {@link ClassBalancedSubset}, the same for every run and method), a linear probe on frozen features, against
 * (a) the same probe on the raw pixels and (b) the same backbone trained supervised from random weights on the same
 * labelled images, with augmentation. All are tested on the evaluation test set. Both baselines depend only on the
 * data (and, for (b), the architecture), so they are cached ({@link BaselineCache}).
 *
 * <p>Hyper-parameters for the small sets (README, "Label efficiency", says why these and that they are not searched
 * yet): the probe trains {@value #PROBE_STEPS} Adam steps (learning rate 1e-2, batches of at most 256),
 * however few the images; the supervised network trains on {@value #SUPERVISED_IMAGES} augmented images by default
 * ({@code --supervised-images}; random resized crop, scale 0.5-1, and horizontal flip), batch {@value #SUPERVISED_BATCH}, Adam {@value #SUPERVISED_LR}.
 */
final class LabelEfficiency {
    /** Seed of the labelled subsets: fixed, so that every run and method is measured on the same images. */
    static final long SUBSET_SEED = 0;
    static final int PROBE_STEPS = 300;
    static final int PROBE_BATCH = 256;
    static final int SUPERVISED_IMAGES = RunSpec.DEFAULT_SUPERVISED_IMAGES;
    static final int SUPERVISED_BATCH = 64;
    static final double SUPERVISED_LR = 1e-3;
    static final double SUPERVISED_CROP_SCALE = 0.5;
    private static final Logger log = LoggerFactory.getLogger(LabelEfficiency.class);

    private final List<Integer> labelsPerClass;
    private final List<LabelledImages> subsets = new ArrayList<>();
    private final LabelledImages test;
    private final long seed;
    private final int supervisedImages;
    private final int probeSteps;

    /**
     * Draws the labelled subsets now, so that a class with too few images is reported before any training.
     *
     * @param train          the whole training split, the subsets are drawn from
     * @param test           the images to test on
     * @param labelsPerClass the subset sizes, images per class
     * @param seed             seed of the probes' and of the supervised network's initialisation and shuffling
     * @param supervisedImages training images (augmented views) the supervised baseline sees in all
     * @param probeSteps       Adam steps of the linear probes ({@value #PROBE_STEPS} on the command line)
     */
    LabelEfficiency(LabelledImages train, LabelledImages test, List<Integer> labelsPerClass, long seed, int supervisedImages,
                    int probeSteps) {
        if (supervisedImages < 1 || probeSteps < 1) {
            throw new IllegalArgumentException("the supervised images and the probe steps must be at least 1, got "
                    + supervisedImages + " and " + probeSteps);
        }
        this.supervisedImages = supervisedImages;
        this.probeSteps = probeSteps;
        this.labelsPerClass = List.copyOf(labelsPerClass);
        for (int n : labelsPerClass) {
            subsets.add(ClassBalancedSubset.of(train, n, SUBSET_SEED));
        }
        this.test = test;
        this.seed = seed;
    }

    boolean isEmpty() {
        return labelsPerClass.isEmpty();
    }

    /**
     * Adds to {@code key} what {@link #linearTop1} depends on besides the backbone: the protocol, the probe's
     * settings, the seed, the labelled subsets and the test images.
     */
    CacheKey addTo(CacheKey key) {
        key.add(Evaluation.PROTOCOL).add(probeSettings()).add(seed).add(labelsPerClass);
        for (LabelledImages labelled : subsets) {
            key.add(labelled);
        }
        return key.add(test);
    }

    /** Linear-probe top-1 on the backbone's frozen features, per subset. */
    List<Double> linearTop1(ComputationGraph backbone) {
        INDArray testFeatures = FeatureExtractor.extract(backbone, test.features(), 512);
        List<Double> top1 = new ArrayList<>();
        for (LabelledImages labelled : subsets) {
            top1.add(probe(FeatureExtractor.extract(backbone, labelled.features(), 512), labelled, testFeatures));
        }
        return top1;
    }

    /**
     * One row per subset with the two baselines, the raw-pixel probe and the supervised network (from the cache
     * when computed before); the backbone's own accuracies are filled in later.
     *
     * @param backbone the architecture (trained supervised from weights initialised with the seed)
     */
    List<LabelEfficiencyResult> baselines(Backbone backbone, BaselineCache cache) {
        List<LabelEfficiencyResult> rows = new ArrayList<>();
        INDArray testPixels = Evaluation.pixels(test);
        for (int s = 0; s < subsets.size(); s++) {
            LabelledImages labelled = subsets.get(s);
            LabelEfficiencyResult row = new LabelEfficiencyResult();
            row.labelsPerClass = labelsPerClass.get(s);
            row.labelledImages = labelled.size();
            String dataKey = new CacheKey().add(Evaluation.PROTOCOL).add(probeSettings()).add(seed).add(labelled).add(test).hex();
            row.rawPixelLinearTop1 = cache.get("pixels-labels-" + row.labelsPerClass, dataKey, Double.class,
                    () -> probe(Evaluation.pixels(labelled), labelled, testPixels));
            ComputationGraphConfiguration conf = BackboneGraph.standalone(backbone, SslMethod.BACKBONE_PREFIX, seed);
            String supervisedKey = new CacheKey().add(supervisedSettings()).add(conf.toJson()).add(labelled).add(test).hex();
            row.supervisedTop1 = cache.get("supervised-labels-" + row.labelsPerClass, supervisedKey, Double.class,
                    () -> supervised(conf, labelled));
            log.info("{} labels per class: raw-pixel probe top-1 {}, supervised from scratch {}", row.labelsPerClass,
                    Baselines.pct(row.rawPixelLinearTop1), Baselines.pct(row.supervisedTop1));
            rows.add(row);
        }
        return rows;
    }

    /** The linear probe for a small labelled set: the same number of steps whatever its size. */
    private double probe(INDArray labelledVectors, LabelledImages labelled, INDArray testVectors) {
        int batch = Math.min(PROBE_BATCH, labelled.size());
        int batchesPerEpoch = (labelled.size() + batch - 1) / batch;
        return LinearProbe.builder().batchSize(batch).epochs((probeSteps + batchesPerEpoch - 1) / batchesPerEpoch)
                .seed(seed).build()
                .evaluate(labelledVectors, labelled.labels(), testVectors, test.labels(), labelled.numClasses()).top1();
    }

    private double supervised(ComputationGraphConfiguration conf, LabelledImages labelled) {
        log.info("Training the supervised baseline from random weights on {} labelled images", labelled.size());
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        int epochs = Math.max(1, supervisedImages / labelled.size());
        return new FineTune(epochs, Math.min(SUPERVISED_BATCH, labelled.size()), SUPERVISED_LR, seed)
                .withAugmentation(augmentation(labelled)::apply)
                .evaluate(net, labelled.features(), labelled.labels(), test.features(), test.labels(), labelled.numClasses())
                .top1();
    }

    /** The supervised baseline's augmentation: random resized crop (scale 0.5-1) to the image size and a flip. */
    static AugmentationPipeline augmentation(LabelledImages images) {
        return AugmentationPipeline.builder().randomResizedCrop(images.height(), SUPERVISED_CROP_SCALE, 1.0)
                .horizontalFlip(0.5).build();
    }

    private String probeSettings() {
        return "few-label probe: steps " + probeSteps + ", batch " + PROBE_BATCH;
    }

    private String supervisedSettings() {
        return "supervised v1: images " + supervisedImages + ", batch " + SUPERVISED_BATCH + ", Adam " + SUPERVISED_LR
                + ", crop " + SUPERVISED_CROP_SCALE + "-1 + flip";
    }
}
