package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.method.SslMethod;
import io.github.dl4jssl.zoo.data.LabelledImages;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The baselines of every report ({@code train} and {@code eval}) and the summary line that shows them side by side:
 * the same backbone with random weights (cached per initial weights, data set, evaluation sizes and seed), the raw
 * pixels under exactly the backbone's protocol (cached per data set, evaluation sizes and seed), and, with
 * {@code --labels-per-class}, the few-label rows of {@link LabelEfficiency}.
 */
public final class Baselines {
    private static final Logger log = LoggerFactory.getLogger(Baselines.class);
    private final Evaluation eval;
    private final BaselineCache cache;
    private final LabelEfficiency labels;
    /** {@link #evaluationKey()} once computed: hashing every bank image is the costly part, and two baselines use it. */
    private String evaluationKey;

    /**
     * The baselines of a report evaluated by {@code eval}, with the data-only ones cached in {@code cache} (a directory,
     * {@code none}, or null for the user's cache directory) and the label-efficiency rows for {@code labelsPerClass}
     * labelled images per class drawn from {@code train} (which fails now if a class has too few images).
     */
    public static Baselines of(Evaluation eval, String cache, LabelledImages train, List<Integer> labelsPerClass, long seed,
                               int supervisedImages) {
        return new Baselines(eval, BaselineCache.at(cache), new LabelEfficiency(train, eval.test(), labelsPerClass, seed,
                supervisedImages, LabelEfficiency.PROBE_STEPS));
    }

    Baselines(Evaluation eval, BaselineCache cache, LabelEfficiency labels) {
        this.eval = eval;
        this.cache = cache;
        this.labels = labels;
    }

    /**
     * The key of what an evaluation's result depends on besides the vectors evaluated: protocol, settings, bank and
     * test images (the raw pixels' key; the random weights add their own to it). Computed on first use only, so a
     * resumed run, which has its baselines, does not hash the data.
     */
    private String evaluationKey() {
        if (evaluationKey == null) {
            evaluationKey = new CacheKey().add(Evaluation.PROTOCOL).add(eval.linearEpochs()).add(eval.seed()).add(eval.train())
                    .add(eval.test()).hex();
        }
        return evaluationKey;
    }

    /** The raw-pixel fields of the report, from the cache when computed before. */
    public void rawPixels(RunReport report) {
        Evaluation.Result pixels = cache.get("pixels", evaluationKey(), Evaluation.Result.class, eval::rawPixels);
        report.rawPixelKnnTop1 = pixels.knnTop1();
        report.rawPixelKnnTop1Standardised = pixels.knnTop1Standardised();
        report.rawPixelLinearTop1 = pixels.linearTop1();
        report.rawPixelLinearTop5 = pixels.linearTop5();
        log.info("Raw pixels: {}", pixels);
    }

    /**
     * The random-weight fields, and the label-efficiency rows with their baselines and the random weights' probe. The
     * random weights' results are cached too, under a key made of the weights themselves ({@link #weightsKey}), so a run
     * that starts from the same initialisation (same backbone and seed) reads them instead of evaluating again.
     *
     * @param random       the backbone with its random initial weights
     * @param architecture the backbone's description, for the supervised baseline and the cache key
     */
    public void randomWeights(ComputationGraph random, Backbone architecture, RunReport report) {
        String weights = weightsKey(random, architecture);
        Evaluation.Result r = cache.get("random", new CacheKey().add(evaluationKey()).add(weights).hex(), Evaluation.Result.class,
                () -> eval.evaluate(random));
        report.randomKnnTop1 = r.knnTop1();
        report.randomKnnTop1Standardised = r.knnTop1Standardised();
        report.randomLinearTop1 = r.linearTop1();
        report.randomLinearTop5 = r.linearTop5();
        log.info("Random weights: {}", r);
        if (!labels.isEmpty()) {
            report.labelEfficiency = labels.baselines(architecture, cache);
            Double[] randomTop1 = cache.get("random-labels", labels.addTo(new CacheKey()).add(weights).hex(), Double[].class,
                    () -> labels.linearTop1(random).toArray(Double[]::new));
            for (int i = 0; i < randomTop1.length; i++) {
                report.labelEfficiency.get(i).randomLinearTop1 = randomTop1[i];
            }
        }
    }

    /**
     * The identity of a backbone's weights: its architecture (the updater-free configuration
     * {@link BackboneGraph#standalone} builds for it, so the method and optimizer it came from do not count) and every
     * parameter value. Equal initial weights give equal baselines; a changed initialisation gives another key.
     */
    static String weightsKey(ComputationGraph backbone, Backbone architecture) {
        return new CacheKey().add(BackboneGraph.standalone(architecture, SslMethod.BACKBONE_PREFIX, 1).toJson())
                .add(backbone.params()).hex();
    }

    /** The evaluated backbone's own fields, label efficiency included. */
    public void backbone(ComputationGraph backbone, RunReport report) {
        Evaluation.Result r = eval.evaluate(backbone);
        report.knnTop1 = r.knnTop1();
        report.knnTop1Standardised = r.knnTop1Standardised();
        report.linearTop1 = r.linearTop1();
        report.linearTop5 = r.linearTop5();
        if (!labels.isEmpty()) {
            List<Double> top1 = labels.linearTop1(backbone);
            for (int i = 0; i < top1.size(); i++) {
                report.labelEfficiency.get(i).linearTop1 = top1.get(i);
            }
        }
    }

    /**
     * The backbone beside its baselines, e.g. "kNN top-1 71.09% (standardised 74.10%) | random weights 66.81%
     * (70.02%) | raw pixels 72.64% (79.11%); linear top-1 78.88% | random 76.46% | raw pixels 84.02%", and one
     * part per label-efficiency row.
     */
    public static String summary(RunReport r) {
        StringBuilder s = new StringBuilder(String.format(
                "kNN top-1 %s (standardised %s) | random weights %s (%s) | raw pixels %s (%s); "
                        + "linear top-1 %s | random %s | raw pixels %s",
                pct(r.knnTop1), pct(r.knnTop1Standardised), pct(r.randomKnnTop1), pct(r.randomKnnTop1Standardised),
                pct(r.rawPixelKnnTop1), pct(r.rawPixelKnnTop1Standardised),
                pct(r.linearTop1), pct(r.randomLinearTop1), pct(r.rawPixelLinearTop1)));
        for (LabelEfficiencyResult row : r.labelEfficiency) {
            s.append(String.format("; %d labels/class: linear %s | random %s | raw pixels %s | supervised %s",
                    row.labelsPerClass, pct(row.linearTop1), pct(row.randomLinearTop1), pct(row.rawPixelLinearTop1),
                    pct(row.supervisedTop1)));
        }
        return s.toString();
    }

    /** {@code v} as a percentage with two decimals, e.g. {@code 71.02%}. */
    public static String pct(double v) { return String.format("%.2f%%", 100 * v); }
}
