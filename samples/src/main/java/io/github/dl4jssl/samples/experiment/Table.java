package io.github.dl4jssl.samples.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A results table written both as Markdown (for {@code results.md}) and as CSV. */
public final class Table {

    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... columns) {
        this.columns = List.of(columns);
    }

    public Table row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + columns.size() + " columns " + columns);
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    public String markdown() {
        StringBuilder md = new StringBuilder("| ").append(String.join(" | ", columns)).append(" |\n|");
        columns.forEach(c -> md.append("---|"));
        md.append('\n');
        for (List<String> r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return md.toString();
    }

    public void writeCsv(Path file) throws IOException {
        StringBuilder csv = new StringBuilder(String.join(",", columns)).append('\n');
        for (List<String> r : rows) {
            csv.append(String.join(",", r.stream().map(Table::csvCell).toList())).append('\n');
        }
        Files.writeString(file, csv);
    }

    private static String csvCell(String v) {
        return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /** A percentage with two decimals, e.g. {@code 71.15}. */
    public static String pct(double fraction) { return String.format("%.2f", 100 * fraction); }

    /** Mean ± std of fractions as percentages, e.g. {@code 71.15 ± 0.40}. */
    public static String pct(List<Double> fractions) {
        return fractions.size() < 2 ? pct(Stats.mean(fractions))
                : String.format("%.2f ± %.2f", 100 * Stats.mean(fractions), 100 * Stats.std(fractions));
    }

    public static String num(double v, int decimals) { return String.format("%." + decimals + "f", v); }
}
