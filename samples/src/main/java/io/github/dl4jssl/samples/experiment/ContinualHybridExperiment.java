package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.samples.Plots;

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
public final class ContinualHybridExperiment implements Experiment {

    static final List<String> REGIMES = List.of("multi-epoch", "continual", "hybrid");
    static final int TRAIN_IMAGES = 2000;
    static final int EPOCHS = 4;

    @Override
    public String name() {
        return "continual-hybrid";
    }

    @Override
    public String claim() {
        return "Li, Efros, Pathak 2022. Claims tested: at an equal number of images seen, continual training (each image "
                + "once) collapses less than multi-epoch training, and the hybrid (chunks of new images, several passes each) "
                + "gives the best linear probe. SimSiam on SmallCnn, " + EPOCHS + " rounds of " + TRAIN_IMAGES
                + " images (times --scale): multi-epoch reuses the same images every round, continual streams "
                + EPOCHS + " x as many distinct images, hybrid streams chunks of one round's size with 2 passes each.";
    }

    @Override
    public int defaultSeeds() {
        return 3;
    }

    @Override
    public List<PlannedRun> plan(Budget budget) {
        List<PlannedRun> runs = new ArrayList<>();
        for (long seed : budget.seedList()) {
            for (String regime : REGIMES) {
                List<String> args = new ArrayList<>(List.of("--method", "simsiam", "--regime", regime));
                args.addAll(budget.trainArgs(TRAIN_IMAGES, EPOCHS, seed));
                runs.add(new PlannedRun(regime + "-seed" + seed, Map.of("regime", regime, "seed", Long.toString(seed)), args));
            }
        }
        return runs;
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        Map<String, List<Double>> linear = new LinkedHashMap<>();
        Map<String, List<Double>> knn = new LinkedHashMap<>();
        Map<String, List<Double>> auc = new LinkedHashMap<>();
        Map<String, List<Double>> rank = new LinkedHashMap<>();
        Map<String, Integer> distinct = new LinkedHashMap<>();
        for (FinishedRun r : runs) {
            String g = r.factor("regime");
            linear.computeIfAbsent(g, k -> new ArrayList<>()).add(r.report().linearTop1);
            knn.computeIfAbsent(g, k -> new ArrayList<>()).add(r.report().knnTop1);
            auc.computeIfAbsent(g, k -> new ArrayList<>()).add(last(r.report().collapseAucPerEpoch));
            rank.computeIfAbsent(g, k -> new ArrayList<>()).add(last(r.report().rankMePerEpoch));
            distinct.put(g, r.report().distinctTrainImages);
        }
        Table table = new Table("regime", "distinct images", "images seen", "linear top-1 (%)", "kNN top-1 (%)",
                "collapse AUC", "RankMe");
        int seen = runs.isEmpty() ? 0 : runs.get(0).report().epochs * runs.get(0).report().trainImages;
        for (String g : linear.keySet()) {
            table.row(g, distinct.get(g), seen, Table.pct(linear.get(g)), Table.pct(knn.get(g)),
                    Table.num(Stats.mean(auc.get(g)), 4), Table.num(Stats.mean(rank.get(g)), 1));
        }
        table.writeCsv(outDir.resolve("regimes.csv"));
        List<String> regimes = new ArrayList<>(linear.keySet());
        Map<String, List<? extends Number>> acc = new LinkedHashMap<>();
        acc.put("linear top-1", regimes.stream().map(g -> 100 * Stats.mean(linear.get(g))).toList());
        acc.put("kNN top-1", regimes.stream().map(g -> 100 * Stats.mean(knn.get(g))).toList());
        Plots.bars(outDir.resolve("accuracy.png"), "SimSiam accuracy per training regime", "top-1 (%)", regimes, acc, Map.of());
        Map<String, List<? extends Number>> collapse = new LinkedHashMap<>();
        collapse.put("collapse AUC", regimes.stream().map(g -> Stats.mean(auc.get(g))).toList());
        Plots.bars(outDir.resolve("collapse.png"), "Collapse AUC per training regime (higher = more collapsed)", "AUC",
                regimes, collapse, Map.of());
        StringBuilder md = new StringBuilder("## Results\n\n").append(table.markdown())
                .append("\n![accuracy](accuracy.png)\n![collapse](collapse.png)\n\n## What the runs show\n\n");
        if (auc.containsKey("multi-epoch") && auc.containsKey("continual")) {
            double m = Stats.mean(auc.get("multi-epoch")), c = Stats.mean(auc.get("continual"));
            md.append(String.format("- Collapse AUC, continual vs multi-epoch: %.4f vs %.4f (%s).%n", c, m,
                    c < m ? "continual collapses less, as the paper says" : "continual does not collapse less here"));
        }
        if (linear.containsKey("hybrid")) {
            String best = linear.entrySet().stream().max(Map.Entry.comparingByValue(
                    java.util.Comparator.comparingDouble(Stats::mean))).orElseThrow().getKey();
            md.append("- Best linear probe: **").append(best).append("**")
                    .append(best.equals("hybrid") ? " (as the paper says).\n" : " (the paper expects hybrid).\n");
        }
        return md.toString();
    }

    private static double last(List<Double> xs) {
        return xs.isEmpty() ? Double.NaN : xs.get(xs.size() - 1);
    }
}
