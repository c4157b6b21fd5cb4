import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Plots rss-*.txt (lines "HH:MM:SS GiB" from rss.sh) against minutes since each trace's first sample:
 * java -cp "$(cat samples/target/classpath.txt)" docs/bench/memory-s13/RssPlot.java docs/bench/memory-s13
 */
public class RssPlot {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        XYChart chart = new XYChartBuilder().width(900).height(500)
                .title("Resident set with a cold baseline cache, 60,000-image bank")
                .xAxisTitle("minutes since start").yAxisTitle("resident set (GiB)").build();
        String[][] traces = {{"rss-before.txt", "before (a6bdbf1)"},
                {"rss-knn-probe-fixes.txt", "kNN and probes release (72be9ec)"},
                {"rss-after.txt", "and the convolution frees replaced columns (6a399a0)"}};
        for (String[] t : traces) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            int first = -1;
            for (String line : Files.readAllLines(dir.resolve(t[0]))) {
                String[] f = line.trim().split("\\s+");
                int s = LocalTime.parse(f[0]).toSecondOfDay();
                first = first < 0 ? s : first;
                x.add((s - first) / 60.0);
                y.add(Double.parseDouble(f[1]));
            }
            chart.addSeries(t[1], x, y);
        }
        BitmapEncoder.saveBitmap(chart, dir.resolve("rss.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
