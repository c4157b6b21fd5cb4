import java.nio.file.*; import java.util.*;
var lines = Files.readAllLines(Path.of("docs/experiments/recipe-screen-s8/runs.csv"));
List<String> cats = new ArrayList<>(); List<Double> knn = new ArrayList<>(), lin = new ArrayList<>();
String[] first = null;
for (String l : lines.subList(1, lines.size())) { String[] f = l.replace("\"", "").split(","); if (first == null) first = f;
  cats.add(f[0]); knn.add(100 * Double.parseDouble(f[3])); lin.add(100 * Double.parseDouble(f[5])); }
cats.add("random weights"); knn.add(100 * Double.parseDouble(first[6])); lin.add(100 * Double.parseDouble(first[7]));
cats.add("raw pixels"); knn.add(100 * Double.parseDouble(first[8])); lin.add(100 * Double.parseDouble(first[10]));
Map<String, List<? extends Number>> s = new LinkedHashMap<>(); s.put("kNN top-1", knn); s.put("linear top-1", lin);
Map<String, List<? extends Number>> e = new LinkedHashMap<>();
var chart = new org.knowm.xchart.CategoryChartBuilder().width(1000).height(560).title("Recipe screen (one seed): 6,000 images x 3 epochs; kNN bank 5,000, test 2,000").yAxisTitle("top-1 (%)").build();
chart.getStyler().setXAxisLabelRotation(60); chart.getStyler().setYAxisMin(55.0); chart.getStyler().setYAxisMax(85.0);
chart.addSeries("kNN top-1", cats, knn); chart.addSeries("linear top-1", cats, lin);
org.knowm.xchart.BitmapEncoder.saveBitmap(chart, "docs/experiments/recipe-screen-s8/screen.png", org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
/exit
