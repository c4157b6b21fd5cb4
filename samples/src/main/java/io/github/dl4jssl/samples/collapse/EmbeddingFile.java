package io.github.dl4jssl.samples.collapse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * An embedding matrix exported from any framework (rows = samples, columns = dimensions): a NumPy {@code .npy}
 * file ({@link NpyReader}) or a CSV file with or without a header ({@link CsvMatrixReader}), checked so that the
 * collapse metrics get at least 2 rows of finite numbers.
 */
public final class EmbeddingFile {

    private EmbeddingFile() {
    }

    /**
     * @param file {@code .npy}, otherwise read as CSV
     * @return the rows, at least 2, all of the same length, all finite
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static double[][] read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--features " + file + " is not a file; give a .npy or .csv embedding matrix");
        }
        double[][] rows = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")
                ? NpyReader.read(file) : CsvMatrixReader.read(file);
        if (rows.length < 2) {
            throw NpyReader.bad(file, "holds " + rows.length + " row(s); the collapse metrics need at least 2 samples "
                    + "(rows) to centre and compare");
        }
        if (rows[0].length < 1) {
            throw NpyReader.bad(file, "has no columns");
        }
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                if (!Double.isFinite(rows[i][j])) {
                    throw NpyReader.bad(file, "row " + (i + 1) + ", column " + (j + 1) + " is " + rows[i][j]
                            + "; the embeddings must be finite (NaN or infinity usually means a diverged model)");
                }
            }
        }
        return rows;
    }
}
