package io.github.dl4jssl.samples;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Line charts of a run's curves written as PNG files (XChart). */
public final class Plots {

    private Plots() {
    }

    /**
     * Writes one line chart with a series per map entry (x values shared).
     *
     * @param series name -> y values, each as long as {@code x}
     */
    public static void line(Path png, String title, String xTitle, String yTitle,
                            List<? extends Number> x, Map<String, List<? extends Number>> series) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendVisible(series.size() > 1);
        for (Map.Entry<String, List<? extends Number>> e : series.entrySet()) {
            chart.addSeries(e.getKey(), x, e.getValue()).setMarker(SeriesMarkers.CIRCLE);
        }
        String file = png.toString();
        BitmapEncoder.saveBitmap(chart, file.endsWith(".png") ? file.substring(0, file.length() - 4) : file,
                BitmapEncoder.BitmapFormat.PNG);
    }
}
