package io.github.dl4jssl.train;

import io.github.dl4jssl.layers.NetworkSeed;
import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import io.github.dl4jssl.listeners.eval.FineTune;
import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The evaluation of a trained backbone in one call, under exactly the protocol of {@code train}'s report: weighted
 * kNN and a linear probe on its frozen features, beside the same backbone with random weights and the raw pixels
 * ({@link Baselines}), the collapse metrics of its features on test images, and optionally few-label rows and
 * fine-tuning of the whole backbone. {@code dl4j-ssl eval} is a thin mapping of its options to this class.
 *
 * <pre>{@code
 * Datasets.Split data = Datasets.load("fashion-mnist", Datasets.Options.of(null));
 * RunReport r = BackboneEvaluation.builder().build().evaluate(Path.of("runs/my-run"), data);
 * System.out.println(Baselines.summary(r));   // kNN, random weights and raw pixels side by side
 * }</pre>
 *
 * <p>Each {@link Builder} method is named after the {@code eval} option it mirrors; {@link Builder#build()} refuses a
 * bad value with a message that names the option and the fix, before any data is loaded. The kNN bank and the probe
 * learn from the first images of the data set's training images, the test uses its test images.
 */
public final class BackboneEvaluation {
    private static final Logger log = LoggerFactory.getLogger(BackboneEvaluation.class);
    /** Images per batch of the collapse metrics' feature extraction. */
    private static final int COLLAPSE_BATCH = 256;

    private final Builder b;

    private BackboneEvaluation(Builder b) {
        this.b = b;
    }

    /** The settings, with the defaults of {@code dl4j-ssl eval}. */
    public static Builder builder() { return new Builder(); }

    /**
     * Evaluates the backbone saved at {@code model}: a {@code train} run directory, its {@code model.zip} or
     * {@code backbone.zip} ({@link SavedBackbone}); the report names the method and epochs of the run's
     * {@code report.json} when the model file has one beside it.
     */
    public RunReport evaluate(Path model, Datasets.Split data) throws IOException {
        checkData(data);
        SavedBackbone saved = SavedBackbone.load(model, data.train().features().shape());
        RunReport report = new RunReport();
        Path trainedReport = saved.file().resolveSibling(RunDirectory.REPORT);
        if (Files.isRegularFile(trainedReport)) {
            RunReport trained = RunReport.read(trainedReport);
            report.method = trained.method;
            report.epochs = trained.epochs;
            report.batchSize = trained.batchSize;
            report.trainImages = trained.trainImages;
        }
        report.model = saved.file().toString();
        return evaluate(saved.graph(), saved.backbone(), data, report);
    }

    /**
     * Evaluates {@code backbone}, a graph with one image input and the feature vector as output (e.g.
     * {@link BackboneGraph#extract} of a trained method's graph), whose architecture is {@code architecture} (it
     * builds the random-weight baseline).
     */
    public RunReport evaluate(ComputationGraph backbone, Backbone architecture, Datasets.Split data) {
        checkData(data);
        return evaluate(backbone, architecture, data, new RunReport());
    }

    private static void checkData(Datasets.Split data) {
        if (data == null || data.train() == null || data.test() == null) {
            throw new IllegalArgumentException("the evaluation needs a data set with training and test images, "
                    + "e.g. Datasets.load(\"fashion-mnist\", Datasets.Options.of(null))");
        }
    }

    private RunReport evaluate(ComputationGraph backbone, Backbone architecture, Datasets.Split data, RunReport report) {
        long start = System.nanoTime();
        Evaluation eval = Evaluation.of(data, b.evalTrainSubset, b.evalTestSubset, b.linearEpochs, b.seed);
        LabelledImages train = eval.train();
        LabelledImages test = eval.test();
        FeatureExtractor.checkImageShape(backbone, train.features().shape());
        Baselines baselines = Baselines.of(eval, b.baselineCache, data.train(), b.labelsPerClass, b.seed,
                b.supervisedImages);
        report.backbone = architecture.name();
        report.dataset = data.name();
        report.seed = b.seed;
        report.parameters = backbone.numParams();
        report.evalTrainImages = train.size();
        report.evalTestImages = test.size();
        log.info("Evaluating {} on {}: {} train, {} test images", architecture, data.name(), train.size(), test.size());
        baselines.rawPixels(report);
        ComputationGraph random = new ComputationGraph(BackboneGraph.standalone(architecture, SslMethod.BACKBONE_PREFIX, b.seed));
        random.init();
        baselines.randomWeights(random, architecture, report);
        baselines.backbone(backbone, report);
        CollapseMetrics.Result collapse = CollapseMetrics.compute(FeatureExtractor.extract(backbone,
                        test.subset(Math.min(RunMonitors.COLLAPSE_PROBE, test.size())).features(), COLLAPSE_BATCH),
                b.collapseNormalize, true, CollapseMetrics.Solver.EIGEN);
        report.collapseMetric = RunReport.EQUATION_2;
        report.collapseNormalized = b.collapseNormalize;
        report.collapseAuc = collapse.collapseAuc();
        report.varianceAuc = collapse.varianceAuc();
        report.rankMe = collapse.rankMe();
        if (b.fineTuneEpochs > 0) {
            log.info("Fine-tuning the whole backbone for {} epochs", b.fineTuneEpochs);
            FineTune.Result ft = new FineTune(b.fineTuneEpochs, b.fineTuneBatchSize, b.fineTuneLearningRate, b.seed)
                    .evaluate(backbone, train.features(), train.labels(), test.features(), test.labels(), train.numClasses());
            report.fineTuneEpochs = b.fineTuneEpochs;
            report.fineTuneTop1 = ft.top1();
            report.fineTuneTop5 = ft.top5();
            log.info("Fine-tuning the same architecture from random weights, the baseline of fine-tuning");
            FineTune.Result fromRandom = new FineTune(b.fineTuneEpochs, b.fineTuneBatchSize, b.fineTuneLearningRate, b.seed)
                    .evaluate(random, train.features(), train.labels(), test.features(), test.labels(), train.numClasses());
            report.randomFineTuneTop1 = fromRandom.top1();
            report.randomFineTuneTop5 = fromRandom.top5();
        }
        report.totalSeconds = (System.nanoTime() - start) / 1e9;
        return report;
    }

    /** The settings of a {@link BackboneEvaluation}, with the defaults of {@code dl4j-ssl eval}. */
    public static final class Builder implements EvaluationSettings<Builder> {
        private Integer evalTrainSubset;
        private Integer evalTestSubset;
        private int linearEpochs = RunSpec.DEFAULT_LINEAR_EPOCHS;
        private List<Integer> labelsPerClass = List.of();
        private int supervisedImages = RunSpec.DEFAULT_SUPERVISED_IMAGES;
        private String baselineCache;
        private boolean collapseNormalize;
        private int fineTuneEpochs;
        private double fineTuneLearningRate = 1e-3;
        private int fineTuneBatchSize = 128;
        private long seed = RunSpec.DEFAULT_SEED;

        private Builder() {
        }

        @Override public Builder evalTrainSubset(Integer n) { evalTrainSubset = n; return this; }

        @Override public Builder evalTestSubset(Integer n) { evalTestSubset = n; return this; }

        @Override public Builder linearEpochs(int epochs) { linearEpochs = epochs; return this; }

        @Override public Builder labelsPerClass(List<Integer> n) { labelsPerClass = n == null ? List.of() : List.copyOf(n);
            return this; }

        @Override public Builder supervisedImages(int n) { supervisedImages = n; return this; }

        @Override public Builder baselineCache(String dir) { baselineCache = dir; return this; }

        /** {@code --collapse-normalize}: L2-normalise each embedding before the collapse metrics (default off). */
        public Builder collapseNormalize(boolean normalize) { collapseNormalize = normalize; return this; }

        /**
         * {@code --fine-tune-epochs}, {@code --fine-tune-lr}, {@code --batch-size}: also fine-tune the whole backbone
         * under a softmax classifier ({@link FineTune}) for {@code epochs} (0 = no; default 0, Adam 1e-3, batch 128).
         */
        public Builder fineTune(int epochs, double learningRate, int batchSize) {
            fineTuneEpochs = epochs;
            fineTuneLearningRate = learningRate;
            fineTuneBatchSize = batchSize;
            return this;
        }

        /** {@code --seed}: seed of the probe, the random weights and the label subsets (default 42). */
        public Builder seed(long seed) { this.seed = NetworkSeed.check("--seed", seed); return this; }

        /** The evaluation, after checking every setting. */
        public BackboneEvaluation build() {
            SpecChecks.evaluation(labelsPerClass, supervisedImages);
            if ((evalTrainSubset != null && evalTrainSubset < 0) || (evalTestSubset != null && evalTestSubset < 0)
                    || linearEpochs < 1 || fineTuneEpochs < 0) {
                throw new IllegalArgumentException("subset sizes and --fine-tune-epochs must be >= 0 and --linear-epochs "
                        + ">= 1, got --eval-train-subset " + evalTrainSubset + ", --eval-test-subset " + evalTestSubset
                        + ", --fine-tune-epochs " + fineTuneEpochs + ", --linear-epochs " + linearEpochs);
            }
            if (fineTuneEpochs > 0) {
                if (fineTuneBatchSize < 2) {
                    throw new IllegalArgumentException("--batch-size must be at least 2 (BatchNorm needs 2 images), got "
                            + fineTuneBatchSize);
                }
                SpecChecks.positive("--fine-tune-lr", fineTuneLearningRate, "the Adam step size of fine-tuning");
            }
            return new BackboneEvaluation(this);
        }
    }
}
