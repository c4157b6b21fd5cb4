import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plots learning-curve.csv (CheckpointKnn's output) with the raw pixels' and random weights' kNN as lines; the second
 * argument names the method in the title (default SimCLR):
 * java -cp "$(cat samples/target/classpath.txt)" docs/experiments/simclr-60min-s14/CurvePlot.java docs/experiments/simclr-60min-s14 [METHOD]
 */
public class CurvePlot {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<Double> epoch = new ArrayList<>();
        List<Double> asIs = new ArrayList<>();
        List<Double> std = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("learning-curve.csv")).subList(1, Files.readAllLines(dir.resolve("learning-curve.csv")).size())) {
            String[] f = line.split(",");
            epoch.add(Double.parseDouble(f[1]));
            asIs.add(100 * Double.parseDouble(f[2]));
            std.add(100 * Double.parseDouble(f[3]));
        }
        XYChart chart = new XYChartBuilder().width(900).height(520)
                .title((args.length > 1 ? args[1] : "SimCLR") + " on Fashion-MNIST, kNN top-1 by epoch (60k bank, 10k test)")
                .xAxisTitle("epochs of 59,904 images (batch 256 pairs)").yAxisTitle("kNN top-1 (%)").build();
        chart.addSeries("backbone, standardised", epoch, std);
        chart.addSeries("backbone, as is", epoch, asIs);
        line(chart, "raw pixels, standardised (82.58)", 82.58, epoch);
        line(chart, "raw pixels, as is (78.86)", 78.86, epoch);
        line(chart, "random weights, as is (73.87)", 73.87, epoch);
        BitmapEncoder.saveBitmap(chart, dir.resolve("learning-curve.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static void line(XYChart chart, String name, double y, List<Double> epoch) {
        XYSeries s = chart.addSeries(name, List.of(0.0, epoch.get(epoch.size() - 1)), List.of(y, y));
        s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
    }
}
