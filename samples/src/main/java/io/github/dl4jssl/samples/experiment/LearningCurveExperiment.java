package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.LabelEfficiencyResult;
import io.github.dl4jssl.train.Plots;
import io.github.dl4jssl.train.RunReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * {@code learning-curve}: how accuracy grows with the number of images seen, per method, against the baselines
 * that could embarrass it. Each method trains with its CLI recipe on the same {@value #TRAIN_IMAGES} images (times
 * --scale) for 1, 2, 4 and 8 epochs (separate runs, so each point is a finished run with its own cosine schedule
 * and evaluation), and is evaluated by kNN top-1, the full-label linear probe and the 100-labels-per-class linear
 * probe (the semi-supervised protocol of SimCLR, Section 4.2). The raw pixels, the same backbone's random weights
 * and the backbone trained supervised from scratch on the 100 labelled images per class are drawn as horizontal
 * lines: the protocol is the same for all, so a curve under a line means the method has not yet earned its cost at
 * that budget, and where a curve crosses a line says what budget would.
 */
public final class LearningCurveExperiment extends PaperExperiment {

    static final List<String> METHODS = List.of("simclr", "mocov2", "byol", "simsiam");
    static final List<Integer> EPOCHS = List.of(1, 2, 4, 8);
    static final int TRAIN_IMAGES = 6000;
    static final int LABELS_PER_CLASS = 100;

    /** One seed by default: the curves show where each method stands, not a claim to decide. */
    public LearningCurveExperiment() {
        super("learning-curve", "How kNN top-1, full-label linear top-1 and " + LABELS_PER_CLASS + "-labels-per-class linear "
                + "top-1 grow with the images seen, per method (" + String.join(", ", METHODS) + ", each with its CLI recipe, "
                + "SmallCnn), against the raw pixels, the same backbone's random weights and (for " + LABELS_PER_CLASS
                + " labels per class) the backbone trained supervised from random weights on the same labelled images. Every "
                + "method trains on the same " + TRAIN_IMAGES + " images (times --scale) for " + EPOCHS + " epochs, one run each.",
                1);
    }

    @Override
    public List<PlannedRun> plan(Budget budget) {
        return budget.perSeed(seed -> METHODS.stream().flatMap(method -> EPOCHS.stream().map(epochs -> new PlannedRun(
                method + "-e" + epochs + "-seed" + seed,
                Map.of("method", method, "epochs", Integer.toString(epochs), "seed", Long.toString(seed)),
                budget.train(TRAIN_IMAGES, epochs, seed).method(method).labelsPerClass(List.of(LABELS_PER_CLASS)).build())))
                .toList());
    }

    /** One evaluation of a run: its value, and the baselines' under the same protocol. */
    private record Metric(String title, String file, ToDoubleFunction<RunReport> trained,
                          Map<String, ToDoubleFunction<RunReport>> baselines) {
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("kNN top-1", "knn", r -> r.knnTop1, baselines(r -> r.rawPixelKnnTop1, r -> r.randomKnnTop1, null)),
            new Metric("linear top-1, all labels", "linear", r -> r.linearTop1,
                    baselines(r -> r.rawPixelLinearTop1, r -> r.randomLinearTop1, null)),
            new Metric("linear top-1, " + LABELS_PER_CLASS + " labels per class", "linear-" + LABELS_PER_CLASS,
                    r -> fewLabels(r).linearTop1, baselines(r -> fewLabels(r).rawPixelLinearTop1,
                    r -> fewLabels(r).randomLinearTop1, r -> fewLabels(r).supervisedTop1)));

    private static Map<String, ToDoubleFunction<RunReport>> baselines(ToDoubleFunction<RunReport> pixels,
                                                                    ToDoubleFunction<RunReport> random,
                                                                    ToDoubleFunction<RunReport> supervised) {
        Map<String, ToDoubleFunction<RunReport>> out = new LinkedHashMap<>();
        out.put("raw pixels", pixels);
        out.put("random weights", random);
        if (supervised != null) {
            out.put("supervised from scratch", supervised);
        }
        return out;
    }

    private static LabelEfficiencyResult fewLabels(RunReport r) {
        return r.labelEfficiency.stream().filter(l -> l.labelsPerClass == LABELS_PER_CLASS).findFirst()
                .orElseThrow(() -> new IllegalStateException("run of " + r.method + " has no " + LABELS_PER_CLASS
                        + "-labels-per-class result; rerun it with --labels-per-class " + LABELS_PER_CLASS));
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        TreeSet<Integer> seenSet = new TreeSet<>();
        for (FinishedRun r : runs) {
            seenSet.add(imagesSeen(r.report()));
        }
        List<Integer> seen = new ArrayList<>(seenSet);
        List<String> methods = METHODS.stream().filter(m -> runs.stream().anyMatch(r -> m.equals(r.factor("method")))).toList();

        Table table = new Table("method", "images seen", "seeds", "kNN top-1 (%)", "linear top-1 (%)",
                "linear top-1, " + LABELS_PER_CLASS + "/class (%)", "train seconds");
        StringBuilder md = new StringBuilder("## Results\n\n");
        for (String m : methods) {
            for (int s : seen) {
                List<RunReport> at = at(runs, m, s);
                if (!at.isEmpty()) {
                    table.row(m, s, at.size(), meanStd(at, METRICS.get(0).trained()), meanStd(at, METRICS.get(1).trained()),
                            meanStd(at, METRICS.get(2).trained()), Table.num(mean(at, r -> r.trainSeconds), 0));
                }
            }
        }
        List<RunReport> all = runs.stream().map(FinishedRun::report).toList();
        Table lines = new Table("baseline", "kNN top-1 (%)", "linear top-1 (%)", "linear top-1, " + LABELS_PER_CLASS + "/class (%)");
        lines.row("raw pixels", meanStd(all, r -> r.rawPixelKnnTop1), meanStd(all, r -> r.rawPixelLinearTop1),
                meanStd(all, r -> fewLabels(r).rawPixelLinearTop1));
        lines.row("random weights", meanStd(all, r -> r.randomKnnTop1), meanStd(all, r -> r.randomLinearTop1),
                meanStd(all, r -> fewLabels(r).randomLinearTop1));
        lines.row("supervised from scratch", "-", "-", meanStd(all, r -> fewLabels(r).supervisedTop1));
        table.writeCsv(outDir.resolve("learning-curve.csv"));
        lines.writeCsv(outDir.resolve("baselines.csv"));
        md.append(table.markdown()).append("\nMean ± sample standard deviation over the seeds.\n\n")
                .append("Baselines (the same protocol; mean ± standard deviation over all runs, which share the evaluation images):\n\n")
                .append(lines.markdown()).append('\n');

        for (Metric metric : METRICS) {
            Map<String, List<? extends Number>> series = new LinkedHashMap<>();
            for (String m : methods) {
                List<Double> ys = new ArrayList<>();
                for (int s : seen) {
                    List<RunReport> at = at(runs, m, s);
                    ys.add(at.isEmpty() ? Double.NaN : 100 * mean(at, metric.trained()));
                }
                series.put(m, ys);
            }
            for (Map.Entry<String, ToDoubleFunction<RunReport>> b : metric.baselines().entrySet()) {
                double v = 100 * mean(all, b.getValue());
                series.put(b.getKey(), seen.stream().map(s -> v).toList());
            }
            String png = "learning-curve-" + metric.file() + ".png";
            Plots.line(outDir.resolve(png), metric.title() + " against images seen (SmallCnn, Fashion-MNIST)",
                    "images seen (epochs x training images)", metric.title() + " (%)", seen, series);
            md.append("\n![").append(metric.title()).append("](").append(png).append(")\n");
        }
        md.append("\n## Where each method stands at the largest budget\n\n");
        int last = seen.isEmpty() ? 0 : seen.get(seen.size() - 1);
        for (String m : methods) {
            List<RunReport> at = at(runs, m, last);
            if (at.isEmpty()) {
                continue;
            }
            md.append("- ").append(m).append(" at ").append(last).append(" images seen:");
            for (Metric metric : METRICS) {
                double v = 100 * mean(at, metric.trained());
                md.append(String.format(" %s %.2f%%", metric.title(), v));
                List<String> beaten = new ArrayList<>(), notBeaten = new ArrayList<>();
                for (Map.Entry<String, ToDoubleFunction<RunReport>> b : metric.baselines().entrySet()) {
                    double base = 100 * mean(all, b.getValue());
                    (v > base ? beaten : notBeaten).add(String.format("%s %.2f", b.getKey(), base));
                }
                md.append(" (above ").append(beaten.isEmpty() ? "none" : String.join(", ", beaten))
                        .append("; below ").append(notBeaten.isEmpty() ? "none" : String.join(", ", notBeaten)).append(");");
            }
            md.append('\n');
        }
        return md.toString();
    }

    static int imagesSeen(RunReport r) {
        return r.epochs * r.trainImages;
    }

    private static List<RunReport> at(List<FinishedRun> runs, String method, int seen) {
        return runs.stream().filter(r -> method.equals(r.factor("method")) && imagesSeen(r.report()) == seen)
                .map(FinishedRun::report).toList();
    }

    private static double mean(List<RunReport> rs, ToDoubleFunction<RunReport> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /** Percent, mean ± sample standard deviation (the mean alone for one run). */
    private static String meanStd(List<RunReport> rs, ToDoubleFunction<RunReport> f) {
        return Table.pct(rs.stream().map(f::applyAsDouble).toList());
    }
}
