package io.github.dl4jssl.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dl4jssl.listeners.monitor.CollapseMetrics;
import io.github.dl4jssl.samples.collapse.EmbeddingFileTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CollapseCommandTest {

    /** Runs the CLI; returns {stdout, stderr}. */
    private static String[] run(int expectedExit, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Dl4jSsl.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertEquals(expectedExit, code, "exit code; stderr: " + err);
        return new String[]{out.toString(), err.toString()};
    }

    @Test
    void jsonOfACsvMatrixIsCollapseMetricsOfItsRows(@TempDir Path dir) throws Exception {
        // 40 x 6 with a decaying spectrum; rank-one rows would give AUC 1
        Random r = new Random(5);
        double[][] z = new double[40][6];
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f\n");
        for (double[] row : z) {
            for (int j = 0; j < 6; j++) {
                row[j] = r.nextGaussian() / (j + 1);
                csv.append(row[j]).append(j < 5 ? "," : "\n");
            }
        }
        Path file = Files.writeString(dir.resolve("emb.csv"), csv);
        CollapseMetrics.Result expected = CollapseMetrics.compute(Nd4j.createFromArray(z));
        JsonNode json = new ObjectMapper().readTree(run(0, "collapse", "--features", file.toString(), "--json")[0]);
        assertEquals(expected.collapseAuc(), json.get("collapseAuc").asDouble(), 0.0);
        assertEquals(expected.varianceAuc(), json.get("varianceAuc").asDouble(), 0.0);
        assertEquals(expected.rankMe(), json.get("rankMe").asDouble(), 0.0);
        assertEquals(6, json.get("singularValues").size());
        for (int k = 0; k < 6; k++) {
            assertEquals(expected.singularValues()[k], json.get("singularValues").get(k).asDouble(), 0.0);
        }
        assertEquals(40, json.get("samples").asInt());
        assertEquals(6, json.get("dimension").asInt());
        assertEquals(false, json.get("normalized").asBoolean());
        // effective dimension: the first k whose cumulative squared share reaches 90% / 99%
        double[] c = expected.cumulativeVariance();
        int k90 = json.get("effectiveDimension90").asInt();
        assertTrue(c[k90 - 1] >= 0.9 && (k90 == 1 || c[k90 - 2] < 0.9), "k90 = " + k90);
        int k99 = json.get("effectiveDimension99").asInt();
        assertTrue(c[k99 - 1] >= 0.99 && (k99 == 1 || c[k99 - 2] < 0.99), "k99 = " + k99);

        JsonNode normalized = new ObjectMapper().readTree(run(0, "collapse", "--features", file.toString(), "--json", "--normalize")[0]);
        assertEquals(CollapseMetrics.compute(Nd4j.createFromArray(z), true, true, CollapseMetrics.Solver.EIGEN).collapseAuc(),
                normalized.get("collapseAuc").asDouble(), 0.0);
        assertTrue(normalized.get("normalized").asBoolean());

        String text = run(0, "collapse", "--features", file.toString())[0];
        assertTrue(text.contains(String.format(java.util.Locale.ROOT, "%.4f", expected.collapseAuc())), text);
        assertTrue(text.contains("top 6 singular values:"), text);
    }

    @Test
    void npyFileGivesTheSameAsTheCsv(@TempDir Path dir) throws Exception {
        double[][] m = {{1, 0, 2}, {0, 3, 1}, {2, 2, 0}, {1, 1, 1}};
        Path npy = Files.write(dir.resolve("m.npy"), EmbeddingFileTest.npy(1, "<f8", true, "(4, 3)", m));
        Path csv = Files.writeString(dir.resolve("m.csv"), "1,0,2\n0,3,1\n2,2,0\n1,1,1\n");
        assertEquals(run(0, "collapse", "--features", csv.toString(), "--json")[0].replace(csv.toString(), "F"),
                run(0, "collapse", "--features", npy.toString(), "--json")[0].replace(npy.toString(), "F"));
    }

    @Test
    void badInputIsANamedErrorBeforeAnyWork(@TempDir Path dir) throws Exception {
        Path ragged = Files.writeString(dir.resolve("r.csv"), "1,2\n3\n");
        assertTrue(run(2, "collapse", "--features", ragged.toString())[1].contains("ragged rows"));
        assertTrue(run(2, "collapse", "--model", dir.resolve("none").toString())[1].contains("does not exist"));
        assertTrue(run(2, "collapse", "--model", dir.toString(), "--dataset", "mnist-typo")[1].contains("unknown data set"));
        assertTrue(run(2, "collapse")[1].contains("--features"), "one of --features or --model is required");
        assertTrue(run(2, "collapse", "--features", ragged.toString(), "--model", dir.toString())[1].contains("mutually exclusive"));
    }
}
