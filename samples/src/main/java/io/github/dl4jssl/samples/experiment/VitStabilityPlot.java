package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunReport;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The MoCo v3 stability comparison (Chen, Xie, He 2021, sections 4.1-4.2): two {@code train} runs, one with a
 * trainable and one with a frozen random patch projection, side by side in one PNG: gradient L2 norm of the first
 * trained and of the last backbone layer per iteration (the gradient-magnitude monitor's {@code gradients.csv}),
 * the kNN monitor and the training loss per epoch ({@code report.json}); prints a summary (gradient spikes the
 * monitor flagged, largest norm over the median, kNN per epoch).
 *
 * <pre>java -cp ... io.github.dl4jssl.samples.experiment.VitStabilityPlot RUN_A LABEL_A RUN_B LABEL_B OUT.png</pre>
 * ({@code scripts/vit-stability.sh} runs both trainings and this.)
 */
public final class VitStabilityPlot {

    private VitStabilityPlot() {
    }

    /** One run's curves. */
    public record Run(String label, List<Integer> iterations, List<Double> first, List<Double> last, List<Boolean> firstSpikes,
               List<Boolean> lastSpikes, RunReport report) {

        public static Run read(Path dir, String label) throws IOException {
            List<Integer> it = new ArrayList<>();
            List<Double> first = new ArrayList<>();
            List<Double> last = new ArrayList<>();
            List<Boolean> fs = new ArrayList<>();
            List<Boolean> ls = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve("gradients.csv"))) {
                String[] f = line.split(",");
                if (f.length < 8 || !f[2].equals("block")) {
                    continue;
                }
                if (f[3].equals("first layer")) {
                    it.add(Integer.parseInt(f[0]));
                    first.add(Double.parseDouble(f[4]));
                    fs.add(Boolean.parseBoolean(f[7]));
                } else if (f[3].equals("last layer")) {
                    last.add(Double.parseDouble(f[4]));
                    ls.add(Boolean.parseBoolean(f[7]));
                }
            }
            if (it.isEmpty() || it.size() != last.size()) {
                throw new IOException(dir.resolve("gradients.csv") + " has no 'first layer' / 'last layer' block rows");
            }
            return new Run(label, it, first, last, fs, ls, RunReport.read(dir.resolve("report.json")));
        }

        public String summary() {
            return String.format(Locale.ROOT, "%s: first layer %d spikes flagged, max/median %.1f; last layer %d spikes, max/median %.1f;"
                            + " kNN monitor per epoch %s; final kNN %.2f%%, linear %.2f%%", label,
                    count(firstSpikes), maxOverMedian(first), count(lastSpikes), maxOverMedian(last),
                    report.knnMonitorPerEpoch.stream().map(v -> String.format(Locale.ROOT, "%.1f", 100 * v)).collect(Collectors.toList()),
                    100 * report.knnTop1, 100 * report.linearTop1);
        }
    }

    static long count(List<Boolean> flags) {
        return flags.stream().filter(b -> b).count();
    }

    static double maxOverMedian(List<Double> v) {
        List<Double> sorted = v.stream().sorted().collect(Collectors.toList());
        double median = sorted.get(sorted.size() / 2);
        return sorted.get(sorted.size() - 1) / median;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(700).height(450).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        return c;
    }

    /** Writes the four-panel comparison of {@code a} and {@code b} to {@code png}. */
    public static void plot(Run a, Run b, Path png) throws IOException {
        XYChart first = chart("Gradient L2 norm, first trained backbone layer", "iteration", "||grad||");
        XYChart last = chart("Gradient L2 norm, last backbone layer", "iteration", "||grad||");
        XYChart knn = chart("kNN monitor top-1 (epoch 0 = random init)", "epoch", "accuracy (%)");
        XYChart loss = chart("Training loss (epoch mean)", "epoch", "loss");
        for (Run r : List.of(a, b)) {
            first.addSeries(r.label, r.iterations, r.first).setMarker(SeriesMarkers.NONE);
            last.addSeries(r.label, r.iterations, r.last).setMarker(SeriesMarkers.NONE);
            List<Double> k = r.report.knnMonitorPerEpoch.stream().map(v -> 100 * v).collect(Collectors.toList());
            knn.addSeries(r.label, IntStream.range(0, k.size()).boxed().collect(Collectors.toList()), k);
            loss.addSeries(r.label, IntStream.rangeClosed(1, r.report.lossPerEpoch.size()).boxed().collect(Collectors.toList()),
                    r.report.lossPerEpoch);
        }
        String file = png.toString();
        BitmapEncoder.saveBitmap(List.of(first, last, knn, loss), 2, 2,
                file.endsWith(".png") ? file.substring(0, file.length() - 4) : file, BitmapEncoder.BitmapFormat.PNG);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: VitStabilityPlot RUN_A LABEL_A RUN_B LABEL_B OUT.png");
            System.exit(2);
        }
        Run a = Run.read(Paths.get(args[0]), args[1]);
        Run b = Run.read(Paths.get(args[2]), args[3]);
        plot(a, b, Paths.get(args[4]));
        System.out.println(a.summary());
        System.out.println(b.summary());
    }
}
