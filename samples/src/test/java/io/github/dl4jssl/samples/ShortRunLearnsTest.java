package io.github.dl4jssl.samples;

import io.github.dl4jssl.listeners.eval.KnnClassifier;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.FashionMnist;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import io.github.dl4jssl.zoo.method.SslMethod;
import io.github.dl4jssl.zoo.method.SslMethods;
import io.github.dl4jssl.train.RunSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short run of the default recipe really learns: SimCLR on SmallCnn with the method's own optimizer and
 * temperature (Adam 1e-3, T = 0.1, the CLI's recipe) and the default augmentations, trained for {@value #EPOCHS} epochs on the first
 * {@value #TRAIN} Fashion-MNIST training images (batch {@value #BATCH}, so {@value #EPOCHS} x 32 steps), must beat
 * the same backbone's random initial weights on kNN top-1 (k = 200, cosine, T = 0.1; bank: the first 2,000
 * training images, test: the first 1,000 test images) beats every random initialisation of it.
 *
 * <p>Why the margin is safe: random weights differ from each other only by their seed, so the test measures where
 * random initialisations lie on this kNN, every time: the kNN top-1 of the run's own random weights and of
 * {@value #RANDOM_SEEDS} other seeds. The trained backbone must lie above all of them, which none of the random ones
 * does (the kNN test images are the same for all, so the comparison is paired and the test set's sampling error does
 * not enter). Measured at T = 0.5 (the recipe before the sweep) in three runs: random weights 0.550-0.596, trained
 * 0.609 and 0.618 after 4 epochs, a thin lead of 0.013-0.022 against run-to-run noise of about 0.01 (multi-threaded
 * ND4J). At T = 0.2 (session 5, loaded machine): trained 0.629 against random 0.555-0.596, a lead of 0.033, about 85 s
 * of training; at T = 0.1, the recipe now: trained 0.622, a lead of 0.026, 44 s of training. This proves that a short
 * run learns, not how much.
 *
 * <p>The seeds start at 1 ({@link #FIRST_SEED}): with seed 0 neither the random weights nor the trained run repeated on
 * this machine (seed 0's random kNN read 0.559, 0.561, 0.593 and 0.607 in four runs, the trained run 0.595 to 0.653,
 * and one CI run failed on it), while seeds 1 to 4 repeat exactly; from seed 1, two runs gave trained 0.618 against
 * random 0.551-0.596 both times. The cause: ND4J's native random generator replaces seed 0 with the clock, so the
 * methods now refuse it ({@code NetworkSeed}).
 */
class ShortRunLearnsTest {
    static final int RANDOM_SEEDS = 4;
    /** The run's seed, and the first of the random initialisations'. */
    static final long FIRST_SEED = 1;
    static final int TRAIN = 2048;
    static final int BATCH = 64;
    static final int EPOCHS = 4;

    @Test
    void aShortDefaultRunBeatsItsRandomWeightsByAMarginRandomWeightsCannotPass() {
        TestData.requireFashionMnist();
        LabelledImages train = FashionMnist.loadTrain(TestData.FASHION_MNIST);
        LabelledImages bank = train.subset(2000);
        LabelledImages test = FashionMnist.loadTest(TestData.FASHION_MNIST).subset(1000);
        Backbone net = Backbones.byName("small-cnn", 28, 28, 1, LayerImplementation.DEFAULT);

        List<Double> random = new ArrayList<>();
        for (long seed = FIRST_SEED; seed <= FIRST_SEED + RANDOM_SEEDS; seed++) {
            random.add(knnTop1(SslMethods.create("simclr", net, SslMethods.Options.defaults(seed)).init(), net, bank, test));
        }
        double spread = Collections.max(random) - Collections.min(random);

        long t0 = System.nanoTime();
        // the CLI's recipe (T = RunSpec.SIMCLR_TEMPERATURE), and the seed of random.get(0)
        SslMethod simclr = SslMethods.create("simclr", net, new SslMethods.Options(null, RunSpec.SIMCLR_TEMPERATURE, null, null,
                FIRST_SEED));
        ComputationGraph graph = simclr.init();
        TwoViewIterator views = TwoViewIterator.builder(train.subset(TRAIN)).batchSize(BATCH)
                .pipeline(Datasets.simclrPipeline(train)).seed(0).build();
        graph.setListeners(simclr.trainingListeners((long) EPOCHS * views.batchesPerEpoch()));
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            graph.fit(views);
        }
        views.shutdown();
        double trained = knnTop1(graph, net, bank, test);
        System.out.printf("short run: trained kNN %.4f, random weights %s (range %.4f), gain %.4f, training %.0f s%n",
                trained, random, spread, trained - random.get(0), (System.nanoTime() - t0) / 1e9);

        double best = Collections.max(random);
        assertTrue(trained > best, "a short run did not learn: kNN top-1 " + trained + " (gain " + (trained - random.get(0))
                + " over its own random weights) is not above every random initialisation " + random);
    }

    private static double knnTop1(ComputationGraph graph, Backbone net, LabelledImages bank, LabelledImages test) {
        ComputationGraph backbone = BackboneGraph.extract(graph, net, SslMethod.BACKBONE_PREFIX);
        return KnnClassifier.evaluate(FeatureExtractor.extract(backbone, bank.features(), 500), bank.labels(),
                FeatureExtractor.extract(backbone, test.features(), 500), test.labels(),
                KnnClassifier.DEFAULT_K, KnnClassifier.DEFAULT_TEMPERATURE).top1();
    }
}
