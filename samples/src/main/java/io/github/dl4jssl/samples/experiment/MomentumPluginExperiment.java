package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.Plots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code momentum-plugin}: Pham, Zhang, Niu, Zhang, Yoo, "On the Pros and Cons of Momentum Encoder in
 * Self-Supervised Visual Representation Learning" (2022). SimCLR, SimCLR with an EMA copy of the whole encoder,
 * of the projector only, and of the backbone's final stage only, at the same budget and seeds: kNN and linear
 * top-1 and training throughput.
 */
public final class MomentumPluginExperiment extends MethodComparison {

    static final List<String> METHODS = List.of("simclr", "simclr-ema", "simclr-ema-projector", "simclr-ema-stages");
    static final int TRAIN_IMAGES = 6000;
    static final int EPOCHS = 3;

    public MomentumPluginExperiment() {
        super("momentum-plugin",
                "Pham et al. 2022, \"On the Pros and Cons of Momentum Encoder in Self-Supervised Visual Representation "
                + "Learning\". Claims tested: (1) an EMA (momentum) target improves SimCLR; (2) an EMA of the projector alone "
                + "is comparable or better, while the backbone runs one forward pass instead of two. Variants: "
                + String.join(", ", METHODS) + " (`simclr-ema-stages`: EMA on the backbone's final stage only, the rest of "
                + "the target tracks the online weights), SmallCnn on Fashion-MNIST, same budget and seeds.",
                3, METHODS, TRAIN_IMAGES, EPOCHS);
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        Table table = new Table("method", "seeds", "kNN top-1 (%)", "linear top-1 (%)", "training images/s",
                "kNN vs simclr (points)", "linear vs simclr (points)");
        Map<String, List<Double>> knn = new LinkedHashMap<>();
        Map<String, List<Double>> linear = new LinkedHashMap<>();
        Map<String, List<Double>> speed = new LinkedHashMap<>();
        BySeed knnBySeed = new BySeed(), linearBySeed = new BySeed();
        for (FinishedRun r : runs) {
            String m = r.factor("method");
            knnBySeed.put(m, r.factor("seed"), 100 * r.report().knnTop1);
            linearBySeed.put(m, r.factor("seed"), 100 * r.report().linearTop1);
            knn.computeIfAbsent(m, k -> new ArrayList<>()).add(r.report().knnTop1);
            linear.computeIfAbsent(m, k -> new ArrayList<>()).add(r.report().linearTop1);
            speed.computeIfAbsent(m, k -> new ArrayList<>()).add(r.report().imagesPerSecond);
        }
        double knnBase = Stats.mean(knn.getOrDefault("simclr", List.of()));
        double linBase = Stats.mean(linear.getOrDefault("simclr", List.of()));
        for (String m : knn.keySet()) {
            table.row(m, knn.get(m).size(), Table.pct(knn.get(m)), Table.pct(linear.get(m)), Table.num(Stats.mean(speed.get(m)), 1),
                    signed(100 * (Stats.mean(knn.get(m)) - knnBase)), signed(100 * (Stats.mean(linear.get(m)) - linBase)));
        }
        table.writeCsv(outDir.resolve("summary.csv"));
        perRunTable(runs).writeCsv(outDir.resolve("runs.csv"));

        List<String> methods = new ArrayList<>(knn.keySet());
        Map<String, List<? extends Number>> means = new LinkedHashMap<>();
        Map<String, List<? extends Number>> stds = new LinkedHashMap<>();
        means.put("kNN top-1", methods.stream().map(m -> 100 * Stats.mean(knn.get(m))).toList());
        stds.put("kNN top-1", methods.stream().map(m -> 100 * Stats.std(knn.get(m))).toList());
        means.put("linear top-1", methods.stream().map(m -> 100 * Stats.mean(linear.get(m))).toList());
        stds.put("linear top-1", methods.stream().map(m -> 100 * Stats.std(linear.get(m))).toList());
        Plots.bars(outDir.resolve("accuracy.png"), "Accuracy per method (mean and std over seeds)", "top-1 (%)", methods, means, stds);
        Map<String, List<? extends Number>> ips = new LinkedHashMap<>();
        ips.put("training images/s", methods.stream().map(m -> Stats.mean(speed.get(m))).toList());
        Plots.bars(outDir.resolve("throughput.png"), "Training throughput (both views)", "images/s", methods, ips, Map.of());

        return "## Results\n\n" + table.markdown() + "\n![accuracy](accuracy.png)\n![throughput](throughput.png)\n\n"
                + "Per-run numbers: `runs.csv`; each run's report, monitors and plots: `runs/<id>/`.\n\n"
                + "## What the runs show\n\n" + verdict(knn, linear, speed) + "\n## Claims\n\n" + PairedComparison.LEGEND
                + " Claim 2 says \"comparable or better\": an inconclusive interval is consistent with it, a contradicted one "
                + "is not.\n\n" + PairedComparison.table(claims(knnBySeed, linearBySeed), 2, 1).markdown();
    }

    /** The claims seed by seed, in top-1 points: kNN and linear probe. */
    static List<PairedComparison> claims(BySeed knn, BySeed linear) {
        String[][] pairs = {{"EMA improves SimCLR", "simclr-ema", "simclr"},
                {"projector-only EMA is comparable or better", "simclr-ema-projector", "simclr-ema"},
                {"EMA on the final stage improves SimCLR", "simclr-ema-stages", "simclr"}};
        List<PairedComparison> out = new ArrayList<>();
        for (String[] p : pairs) {
            for (Map.Entry<String, BySeed> e : Map.of("kNN", knn, "linear", linear).entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).toList()) {
                if (e.getValue().has(p[1]) && e.getValue().has(p[2])) {
                    out.add(PairedComparison.of(p[0], e.getKey() + " top-1 (points): " + p[1] + " - " + p[2],
                            e.getValue().get(p[1]), e.getValue().get(p[2]), PairedComparison.Expected.GREATER));
                }
            }
        }
        return out;
    }

    static Table perRunTable(List<FinishedRun> runs) {
        Table t = new Table("run", "method", "seed", "knn_top1", "linear_top1", "images_per_s", "random_knn_top1", "random_linear_top1");
        for (FinishedRun r : runs) {
            t.row(r.plan().id(), r.report().method, r.report().seed, r.report().knnTop1, r.report().linearTop1,
                    r.report().imagesPerSecond, r.report().randomKnnTop1, r.report().randomLinearTop1);
        }
        return t;
    }

    /** Each claim, with the difference of the means and the seeds' spread, so the reader can judge it. */
    static String verdict(Map<String, List<Double>> knn, Map<String, List<Double>> linear, Map<String, List<Double>> speed) {
        StringBuilder v = new StringBuilder();
        if (knn.containsKey("simclr") && knn.containsKey("simclr-ema")) {
            v.append("- Claim 1 (EMA improves SimCLR): ").append(compare(knn, linear, "simclr-ema", "simclr")).append('\n');
        }
        if (knn.containsKey("simclr-ema-projector") && knn.containsKey("simclr-ema")) {
            v.append("- Claim 2 (projector-only EMA is comparable or better): ")
                    .append(compare(knn, linear, "simclr-ema-projector", "simclr-ema"))
                    .append(String.format(" Throughput: %.1f vs %.1f images/s.",
                            Stats.mean(speed.get("simclr-ema-projector")), Stats.mean(speed.get("simclr-ema"))))
                    .append('\n');
        }
        if (knn.containsKey("simclr-ema-stages") && knn.containsKey("simclr")) {
            v.append("- EMA on the final backbone stage only: ").append(compare(knn, linear, "simclr-ema-stages", "simclr")).append('\n');
        }
        return v.toString();
    }

    /** "a - b = +x points kNN (…), +y points linear (…)" with "beyond" / "within" the seeds' spread. */
    static String compare(Map<String, List<Double>> knn, Map<String, List<Double>> linear, String a, String b) {
        return String.format("%s minus %s: kNN %s points (%s), linear %s points (%s).", a, b,
                signed(100 * (Stats.mean(knn.get(a)) - Stats.mean(knn.get(b)))), spread(knn.get(a), knn.get(b)),
                signed(100 * (Stats.mean(linear.get(a)) - Stats.mean(linear.get(b)))), spread(linear.get(a), linear.get(b)));
    }

    /** Whether a difference of means exceeds the larger of the two seeds' standard deviations. */
    static String spread(List<Double> a, List<Double> b) {
        if (a.size() < 2 || b.size() < 2) {
            return "one seed: no spread to compare with";
        }
        double diff = Math.abs(Stats.mean(a) - Stats.mean(b));
        double sd = Math.max(Stats.std(a), Stats.std(b));
        return String.format("%s the seeds' std of %.2f", diff > sd ? "beyond" : "within", 100 * sd);
    }

    static String signed(double v) {
        return String.format("%+.2f", v);
    }
}
