package io.github.dl4jssl.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Charts of runs and experiments written as PNG files (XChart): lines, grouped bars, scatter plots. */
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
        save(chart, png);
    }

    /**
     * Writes one line chart with a series per map entry (x values shared, lines without point markers) and marked
     * points of some of the lines (e.g. the gradient spikes of a block): triangles in the line's colour, with the
     * legend entry "{@code NAME}: {@code marksLabel}".
     *
     * @param series name -> y values, each as long as {@code x}
     * @param marks  name of a series -> indices into {@code x} of its points to mark (names not in
     *               {@code series} and empty lists are ignored)
     * @param marksLabel what the marks are, for the legend
     */
    public static void line(Path png, String title, String xTitle, String yTitle, List<? extends Number> x,
                            Map<String, List<? extends Number>> series, Map<String, List<Integer>> marks,
                            String marksLabel) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        Color[] colors = chart.getStyler().getSeriesColors();
        int marked = 0;
        int i = 0;
        for (Map.Entry<String, List<? extends Number>> e : series.entrySet()) {
            Color color = colors[i++ % colors.length];
            XYSeries line = chart.addSeries(e.getKey(), x, e.getValue());
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(color);
            line.setMarkerColor(color);
            List<Integer> at = marks.getOrDefault(e.getKey(), List.of());
            if (!at.isEmpty()) {
                XYSeries m = chart.addSeries(e.getKey() + ": " + marksLabel,
                        at.stream().map(x::get).toList(), at.stream().map(e.getValue()::get).toList());
                m.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                m.setMarker(SeriesMarkers.TRIANGLE_UP);
                m.setMarkerColor(color);
                marked++;
            }
        }
        chart.getStyler().setLegendVisible(series.size() + marked > 1);
        save(chart, png);
    }

    /**
     * Writes a grouped bar chart: one group per category, one bar per series, with error bars when given.
     *
     * @param series name -> values per category
     * @param errors name -> error bar per category (may be empty or miss series)
     */
    public static void bars(Path png, String title, String yTitle, List<String> categories,
                            Map<String, List<? extends Number>> series, Map<String, List<? extends Number>> errors) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendVisible(series.size() > 1);
        for (Map.Entry<String, List<? extends Number>> e : series.entrySet()) {
            List<? extends Number> err = errors.get(e.getKey());
            if (err != null) {
                chart.addSeries(e.getKey(), categories, e.getValue(), err);
            } else {
                chart.addSeries(e.getKey(), categories, e.getValue());
            }
        }
        save(chart, png);
    }

    /**
     * Writes a scatter plot with one series of points per map entry.
     *
     * @param points name -> {x values, y values}
     */
    public static void scatter(Path png, String title, String xTitle, String yTitle,
                               Map<String, List<? extends List<? extends Number>>> points) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(10);
        for (Map.Entry<String, List<? extends List<? extends Number>>> e : points.entrySet()) {
            chart.addSeries(e.getKey(), e.getValue().get(0), e.getValue().get(1));
        }
        save(chart, png);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) throws IOException {
        String file = png.toString();
        BitmapEncoder.saveBitmap(chart, file.endsWith(".png") ? file.substring(0, file.length() - 4) : file,
                BitmapEncoder.BitmapFormat.PNG);
    }
}
