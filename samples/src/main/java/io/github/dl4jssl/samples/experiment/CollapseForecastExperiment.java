package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.samples.Plots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code collapse-forecast}: Li, Efros, Pathak, "Understanding Collapse in Non-Contrastive Siamese Representation
 * Learning" (ECCV 2022). SimSiam with several backbone widths and training-set sizes; the collapse metric (area
 * under the cumulative explained-variance curve of the backbone features, 1 = all variance in one direction)
 * and the effective rank (RankMe) after training, against the linear-probe accuracy, with Spearman's rank
 * correlation: can the label-free metric forecast downstream accuracy?
 */
public final class CollapseForecastExperiment implements Experiment {

    static final List<Double> WIDTHS = List.of(0.25, 0.5, 1.0);
    static final List<Integer> TRAIN_IMAGES = List.of(1000, 4000);
    static final int EPOCHS = 3;

    @Override
    public String name() {
        return "collapse-forecast";
    }

    @Override
    public String claim() {
        return "Li, Efros, Pathak 2022, \"Understanding Collapse in Non-Contrastive Siamese Representation Learning\". "
                + "Claims tested: (1) partial dimensional collapse grows when the model is small for the data; (2) the "
                + "collapse metric, computed without labels, predicts linear-probe accuracy. SimSiam on SmallCnn with width "
                + "multipliers " + WIDTHS + " and " + TRAIN_IMAGES + " training images (times --scale).";
    }

    @Override
    public List<PlannedRun> plan(Budget budget) {
        List<PlannedRun> runs = new ArrayList<>();
        for (long seed : budget.seedList()) {
            for (double width : WIDTHS) {
                for (int images : TRAIN_IMAGES) {
                    List<String> args = new ArrayList<>(List.of("--method", "simsiam", "--width-multiplier", Double.toString(width)));
                    args.addAll(budget.trainArgs(images, EPOCHS, seed));
                    runs.add(new PlannedRun("simsiam-w" + width + "-n" + images + "-seed" + seed,
                            Map.of("width", Double.toString(width), "images", Integer.toString(images), "seed", Long.toString(seed)), args));
                }
            }
        }
        return runs;
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        Table table = new Table("width multiplier", "training images", "seed", "feature dim", "collapse AUC", "RankMe",
                "RankMe / dim", "linear top-1 (%)", "kNN top-1 (%)");
        int n = runs.size();
        double[] auc = new double[n], rank = new double[n], relRank = new double[n], linear = new double[n];
        for (int i = 0; i < n; i++) {
            FinishedRun r = runs.get(i);
            auc[i] = last(r.report().collapseAucPerEpoch);
            rank[i] = last(r.report().rankMePerEpoch);
            int dim = (int) Math.round(128 * Double.parseDouble(r.factor("width")));
            relRank[i] = rank[i] / dim;
            linear[i] = r.report().linearTop1;
            table.row(r.factor("width"), r.report().trainImages, r.factor("seed"), dim, Table.num(auc[i], 4),
                    Table.num(rank[i], 1), Table.num(relRank[i], 3), Table.pct(linear[i]), Table.pct(r.report().knnTop1));
        }
        table.writeCsv(outDir.resolve("collapse-vs-accuracy.csv"));
        Map<String, List<? extends List<? extends Number>>> byWidth = new LinkedHashMap<>();
        Map<String, List<? extends List<? extends Number>>> rankByWidth = new LinkedHashMap<>();
        for (double w : WIDTHS) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), rs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (Double.parseDouble(runs.get(i).factor("width")) == w) {
                    xs.add(auc[i]);
                    rs.add(relRank[i]);
                    ys.add(100 * linear[i]);
                }
            }
            if (!xs.isEmpty()) {
                byWidth.put("width x" + w, List.of(xs, ys));
                rankByWidth.put("width x" + w, List.of(rs, ys));
            }
        }
        Plots.scatter(outDir.resolve("auc-vs-linear.png"), "Collapse AUC vs linear-probe accuracy", "collapse AUC (higher = more collapsed)",
                "linear top-1 (%)", byWidth);
        Plots.scatter(outDir.resolve("rankme-vs-linear.png"), "Effective rank / dimension vs linear-probe accuracy",
                "RankMe / feature dimension", "linear top-1 (%)", rankByWidth);
        StringBuilder md = new StringBuilder("## Results\n\n").append(table.markdown())
                .append("\n![AUC vs linear](auc-vs-linear.png)\n![RankMe vs linear](rankme-vs-linear.png)\n\n")
                .append("## What the runs show\n\n");
        if (n >= 3) {
            md.append(String.format("- Spearman rank correlation over the %d runs: collapse AUC vs linear top-1 %.2f "
                            + "(the paper expects negative: more collapse, lower accuracy); RankMe / dim vs linear top-1 %.2f "
                            + "(expected positive); raw RankMe vs linear top-1 %.2f.%n",
                    n, Stats.spearman(auc, linear), Stats.spearman(relRank, linear), Stats.spearman(rank, linear)));
        }
        md.append(capacityLine(runs, auc));
        return md.toString();
    }

    /** For each width: the collapse AUC on the smallest and the largest training set. */
    private static String capacityLine(List<FinishedRun> runs, double[] auc) {
        StringBuilder s = new StringBuilder();
        for (double w : WIDTHS) {
            Map<Integer, List<Double>> byImages = new java.util.TreeMap<>();
            for (int i = 0; i < runs.size(); i++) {
                if (Double.parseDouble(runs.get(i).factor("width")) == w) {
                    byImages.computeIfAbsent(runs.get(i).report().trainImages, k -> new ArrayList<>()).add(auc[i]);
                }
            }
            if (byImages.size() >= 2) {
                var first = ((java.util.TreeMap<Integer, List<Double>>) byImages).firstEntry();
                var last = ((java.util.TreeMap<Integer, List<Double>>) byImages).lastEntry();
                double a = Stats.mean(first.getValue()), b = Stats.mean(last.getValue());
                s.append(String.format("- width x%s: collapse AUC %.4f with %d images, %.4f with %d images (%s with more data).%n",
                        w, a, first.getKey(), b, last.getKey(), b > a ? "more collapse" : "less collapse"));
            }
        }
        return s.toString();
    }

    private static double last(List<Double> xs) {
        return xs.isEmpty() ? Double.NaN : xs.get(xs.size() - 1);
    }
}
