package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.Plots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code collapse-forecast}: Li, Efros, Pathak, "Understanding Collapse in Non-Contrastive Siamese Representation
 * Learning" (ECCV 2022). SimSiam with several backbone widths and training-set sizes; the collapse metric (area
 * under the cumulative explained-variance curve of the backbone features, 1 = all variance in one direction)
 * and the effective rank (RankMe) after training, against the linear-probe accuracy, with Spearman's rank
 * correlation: can the label-free metric forecast downstream accuracy?
 */
public final class CollapseForecastExperiment extends PaperExperiment {

    static final List<Double> WIDTHS = List.of(0.25, 0.5, 1.0);
    static final List<Integer> TRAIN_IMAGES = List.of(1000, 4000);
    static final int EPOCHS = 3;

    /** Five seeds by default: the comparisons that decide the claims need them (paired t intervals, {@link PairedComparison}). */
    public CollapseForecastExperiment() {
        super("collapse-forecast",
                "Li, Efros, Pathak 2022, \"Understanding Collapse in Non-Contrastive Siamese Representation Learning\". "
                + "Claims tested: (1) partial dimensional collapse grows when the model is small for the data; (2) the "
                + "collapse metric, computed without labels, predicts linear-probe accuracy. SimSiam on SmallCnn with width "
                + "multipliers " + WIDTHS + " and " + TRAIN_IMAGES + " training images (times --scale).",
                PairedComparison.DECISIVE_SEEDS);
    }

    @Override
    public List<PlannedRun> plan(Budget budget) {
        return budget.perSeed(seed -> WIDTHS.stream().flatMap(width -> TRAIN_IMAGES.stream().map(images -> new PlannedRun(
                "simsiam-w" + width + "-n" + images + "-seed" + seed,
                Map.of("width", Double.toString(width), "images", Integer.toString(images), "seed", Long.toString(seed)),
                budget.train(images, EPOCHS, seed).method("simsiam").widthMultiplier(width).build()))).toList());
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        Table table = new Table("width multiplier", "training images", "seed", "feature dim", "collapse AUC (Eq. 2)",
                "variance AUC", "RankMe", "RankMe / dim", "linear top-1 (%)", "kNN top-1 (%)");
        int n = runs.size();
        double[] auc = new double[n], rank = new double[n], relRank = new double[n], linear = new double[n];
        BySeed aucBySeed = new BySeed();
        Map<String, List<Integer>> runsOfSeed = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            FinishedRun r = runs.get(i);
            auc[i] = last(r.report().collapseAucPerEpoch);
            rank[i] = last(r.report().rankMePerEpoch);
            int dim = (int) Math.round(128 * Double.parseDouble(r.factor("width")));
            relRank[i] = rank[i] / dim;
            linear[i] = r.report().linearTop1;
            table.row(r.factor("width"), r.report().trainImages, r.factor("seed"), dim, Table.num(auc[i], 4),
                    Table.num(last(r.report().varianceAucPerEpoch), 4), Table.num(rank[i], 1), Table.num(relRank[i], 3),
                    Table.pct(linear[i]), Table.pct(r.report().knnTop1));
            aucBySeed.put(condition(Double.parseDouble(r.factor("width")), r.report().trainImages), r.factor("seed"), auc[i]);
            runsOfSeed.computeIfAbsent(r.factor("seed"), k -> new ArrayList<>()).add(i);
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
        Plots.scatter(outDir.resolve("auc-vs-linear.png"), "Collapse AUC (Li, Efros, Pathak 2022, Eq. 2) vs linear-probe accuracy",
                "collapse AUC (higher = more collapsed)", "linear top-1 (%)", byWidth);
        Plots.scatter(outDir.resolve("rankme-vs-linear.png"), "Effective rank / dimension vs linear-probe accuracy",
                "RankMe / feature dimension", "linear top-1 (%)", rankByWidth);
        StringBuilder md = new StringBuilder("## Results\n\n").append(table.markdown())
                .append('\n').append(Experiments.AUC_NOTE).append('\n')
                .append("\n![AUC vs linear](auc-vs-linear.png)\n![RankMe vs linear](rankme-vs-linear.png)\n\n")
                .append("## Claims\n\n").append(PairedComparison.LEGEND).append("\n\n")
                .append("Claim 1, partial collapse grows when the model is small for the data (collapse AUC, Eq. 2):\n\n")
                .append(PairedComparison.table(capacityClaims(aucBySeed), 4, 1).markdown())
                .append("\nClaim 2, the label-free metric predicts the linear probe: Spearman's rank correlation over the ")
                .append("runs of each seed, tested against 0 over the seeds:\n\n")
                .append(PairedComparison.table(forecastClaims(runsOfSeed, auc, relRank, linear), 2, 1).markdown());
        if (n >= 3) {
            md.append(String.format("%nOver all %d runs pooled: Spearman collapse AUC vs linear top-1 %.2f (the paper expects "
                            + "negative); RankMe / dim vs linear top-1 %.2f (expected positive); raw RankMe vs linear top-1 %.2f.%n",
                    n, Stats.spearman(auc, linear), Stats.spearman(relRank, linear), Stats.spearman(rank, linear)));
        }
        return md.toString();
    }

    private static String condition(double width, int images) {
        return "w" + width + "-n" + images;
    }

    /**
     * Claim 1 seed by seed: at each training-set size the narrowest model collapses more than the widest, and at each
     * width the largest training set collapses more than the smallest.
     */
    private static List<PairedComparison> capacityClaims(BySeed auc) {
        List<PairedComparison> out = new ArrayList<>();
        double narrow = WIDTHS.get(0), wide = WIDTHS.get(WIDTHS.size() - 1);
        TreeSet<Integer> sizes = new TreeSet<>();
        for (String c : auc.conditions()) {
            sizes.add(Integer.parseInt(c.substring(c.indexOf("-n") + 2)));
        }
        for (int images : sizes) {
            String a = condition(narrow, images), b = condition(wide, images);
            if (auc.has(a) && auc.has(b)) {
                out.add(PairedComparison.of("a smaller model collapses more", "width x" + narrow + " - x" + wide + ", "
                        + images + " images", auc.get(a), auc.get(b), PairedComparison.Expected.GREATER));
            }
        }
        if (sizes.size() >= 2) {
            for (double w : WIDTHS) {
                String a = condition(w, sizes.last()), b = condition(w, sizes.first());
                if (auc.has(a) && auc.has(b)) {
                    out.add(PairedComparison.of("more data collapses a fixed model more", sizes.last() + " - " + sizes.first()
                            + " images, width x" + w, auc.get(a), auc.get(b), PairedComparison.Expected.GREATER));
                }
            }
        }
        return out;
    }

    /** Claim 2: per seed, Spearman of collapse AUC (expected negative) and RankMe / dim (expected positive) vs linear. */
    private static List<PairedComparison> forecastClaims(Map<String, List<Integer>> runsOfSeed, double[] auc, double[] relRank,
                                                         double[] linear) {
        List<Double> aucRho = new ArrayList<>(), rankRho = new ArrayList<>();
        for (List<Integer> idx : runsOfSeed.values()) {
            if (idx.size() >= 3) {
                double[] lin = idx.stream().mapToDouble(i -> linear[i]).toArray();
                aucRho.add(Stats.spearman(idx.stream().mapToDouble(i -> auc[i]).toArray(), lin));
                rankRho.add(Stats.spearman(idx.stream().mapToDouble(i -> relRank[i]).toArray(), lin));
            }
        }
        return List.of(
                PairedComparison.ofDifferences("more collapse, lower linear probe", "Spearman(collapse AUC, linear top-1)",
                        aucRho, PairedComparison.Expected.LESS),
                PairedComparison.ofDifferences("higher relative rank, higher linear probe", "Spearman(RankMe / dim, linear top-1)",
                        rankRho, PairedComparison.Expected.GREATER));
    }

    private static double last(List<Double> xs) {
        return xs.isEmpty() ? Double.NaN : xs.get(xs.size() - 1);
    }
}
