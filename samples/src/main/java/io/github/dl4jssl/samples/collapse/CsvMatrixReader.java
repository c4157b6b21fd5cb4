package io.github.dl4jssl.samples.collapse;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a numeric matrix from a CSV file: one row per line, values separated by commas, an optional header line
 * (recognised by a cell that is not a number), blank lines ignored, cells optionally in double quotes. Rows of
 * different lengths and cells that are not numbers are rejected with the line number.
 */
public final class CsvMatrixReader {

    private CsvMatrixReader() {
    }

    /**
     * @param file a CSV file
     * @return its rows
     * @throws IllegalArgumentException on a ragged row or a cell that is not a number
     */
    public static double[][] read(Path file) throws IOException {
        List<double[]> rows = new ArrayList<>();
        int width = -1;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                double[] row = new double[cells.length];
                String notNumber = null;
                for (int j = 0; j < cells.length; j++) {
                    String c = unquote(cells[j].trim());
                    try {
                        row[j] = Double.parseDouble(c);
                    } catch (NumberFormatException e) {
                        notNumber = notNumber == null ? "column " + (j + 1) + " ('" + c + "')" : notNumber;
                    }
                }
                if (notNumber != null) {
                    if (rows.isEmpty() && width < 0) {
                        width = cells.length; // the header
                        continue;
                    }
                    throw NpyReader.bad(file, "line " + lineNo + ", " + notNumber + ": not a number; every row after the "
                            + "optional header must hold numbers only");
                }
                if (width >= 0 && cells.length != width) {
                    throw NpyReader.bad(file, "line " + lineNo + " has " + cells.length + " values, the lines before have "
                            + width + "; every row must have the same number of columns (ragged rows)");
                }
                width = cells.length;
                rows.add(row);
            }
        }
        return rows.toArray(new double[0][]);
    }

    private static String unquote(String c) {
        return c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"") ? c.substring(1, c.length() - 1).trim() : c;
    }
}
