package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.Plots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code continual-hybrid}: Li, Efros, Pathak, "Understanding Collapse in Non-Contrastive Siamese Representation
 * Learning" (ECCV 2022) find that streaming data once (continual learning) acts as a regularizer against collapse,
 * and that a hybrid of continual and multi-epoch training improves SimSiam's linear probe. SimSiam trained with
 * the three regimes of {@code train --regime} at an equal number of images seen: linear probe and collapse metric.
 */
public final class ContinualHybridExperiment extends PaperExperiment {

    static final List<String> REGIMES = List.of("multi-epoch", "continual", "hybrid");
    static final int TRAIN_IMAGES = 2000;
    static final int EPOCHS = 4;

    /** Five seeds by default: the comparisons that decide the claims need them (paired t intervals, {@link PairedComparison}). */
    public ContinualHybridExperiment() {
        super("continual-hybrid",
                "Li, Efros, Pathak 2022. Claims tested: at an equal number of images seen, continual training (each image "
                + "once) collapses less than multi-epoch training, and the hybrid (chunks of new images, several passes each) "
                + "gives the best linear probe. SimSiam on SmallCnn, " + EPOCHS + " rounds of " + TRAIN_IMAGES
                + " images (times --scale): multi-epoch reuses the same images every round, continual streams "
                + EPOCHS + " x as many distinct images, hybrid streams chunks of one round's size with 2 passes each.",
                PairedComparison.DECISIVE_SEEDS);
    }

    @Override
    public List<PlannedRun> plan(Budget budget) {
        return budget.perSeed(seed -> REGIMES.stream().map(regime -> new PlannedRun(regime + "-seed" + seed,
                Map.of("regime", regime, "seed", Long.toString(seed)),
                budget.train(TRAIN_IMAGES, EPOCHS, seed).method("simsiam").regime(regime).build())).toList());
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        // regime -> seed -> value, so that the claims compare regimes seed by seed
        BySeed linear = new BySeed(), knn = new BySeed(), auc = new BySeed(), varianceAuc = new BySeed(), rank = new BySeed();
        Map<String, Integer> distinct = new LinkedHashMap<>();
        for (FinishedRun r : runs) {
            String g = r.factor("regime"), seed = r.factor("seed");
            linear.put(g, seed, 100 * r.report().linearTop1);
            knn.put(g, seed, 100 * r.report().knnTop1);
            auc.put(g, seed, last(r.report().collapseAucPerEpoch));
            varianceAuc.put(g, seed, last(r.report().varianceAucPerEpoch));
            rank.put(g, seed, last(r.report().rankMePerEpoch));
            distinct.put(g, r.report().distinctTrainImages);
        }
        Table table = new Table("regime", "seeds", "distinct images", "images seen", "linear top-1 (%)", "kNN top-1 (%)",
                "collapse AUC (Eq. 2)", "variance AUC", "RankMe");
        int seen = runs.isEmpty() ? 0 : runs.get(0).report().epochs * runs.get(0).report().trainImages;
        for (String g : linear.conditions()) {
            table.row(g, linear.get(g).size(), distinct.get(g), seen, linear.meanStd(g, 2), knn.meanStd(g, 2),
                    auc.meanStd(g, 4), varianceAuc.meanStd(g, 4), Table.num(rank.mean(g), 1));
        }
        table.writeCsv(outDir.resolve("regimes.csv"));
        List<String> regimes = new ArrayList<>(linear.conditions());
        Map<String, List<? extends Number>> acc = new LinkedHashMap<>();
        acc.put("linear top-1", regimes.stream().map(linear::mean).toList());
        acc.put("kNN top-1", regimes.stream().map(knn::mean).toList());
        Plots.bars(outDir.resolve("accuracy.png"), "SimSiam accuracy per training regime", "top-1 (%)", regimes, acc, Map.of());
        Map<String, List<? extends Number>> collapse = new LinkedHashMap<>();
        collapse.put("collapse AUC (Eq. 2)", regimes.stream().map(auc::mean).toList());
        Plots.bars(outDir.resolve("collapse.png"),
                "Collapse AUC (Li, Efros, Pathak 2022, Eq. 2) per training regime (higher = more collapsed)", "collapse AUC",
                regimes, collapse, Map.of());

        List<PairedComparison> collapseClaims = new ArrayList<>();
        if (auc.has("continual") && auc.has("multi-epoch")) {
            collapseClaims.add(PairedComparison.of("continual collapses less than multi-epoch",
                    "collapse AUC: continual - multi-epoch", auc.get("continual"), auc.get("multi-epoch"), PairedComparison.Expected.LESS));
        }
        List<PairedComparison> accuracyClaims = new ArrayList<>();
        for (String other : List.of("multi-epoch", "continual")) {
            if (linear.has("hybrid") && linear.has(other)) {
                accuracyClaims.add(PairedComparison.of("hybrid gives the best linear probe",
                        "linear top-1 (points): hybrid - " + other, linear.get("hybrid"), linear.get(other),
                        PairedComparison.Expected.GREATER));
            }
        }
        return "## Results\n\n" + table.markdown()
                + "\nMean ± sample standard deviation over the seeds. " + Experiments.AUC_NOTE + "\n"
                + "\n![accuracy](accuracy.png)\n![collapse](collapse.png)\n\n## Claims\n\n" + PairedComparison.LEGEND + "\n\n"
                + PairedComparison.table(collapseClaims, 4, 1).markdown() + "\n"
                + PairedComparison.table(accuracyClaims, 2, 1).markdown();
    }

    private static double last(List<Double> xs) {
        return xs.isEmpty() ? Double.NaN : xs.get(xs.size() - 1);
    }
}
