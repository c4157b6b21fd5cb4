package io.github.dl4jssl.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @Test
    void pipelineModeMeasuresEachWorkerCount(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("pipeline.json");
        StringWriter err = new StringWriter();
        int code = Dl4jSsl.execute(new PrintWriter(err, true), "bench", "--pipeline", "--workers", "0,2",
                "--batch-size", "16", "--iterations", "3", "--warmup", "1", "--backbone", "resnet18-cifar",
                "--out", json.toString());
        assertEquals(0, code, err.toString());
        JsonNode results = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, results.size());
        for (int i = 0; i < 2; i++) {
            JsonNode r = results.get(i);
            assertEquals(i == 0 ? 0 : 2, r.get("workers").asInt());
            assertEquals("random 3x32x32", r.get("data").asText());
            assertEquals(3, r.get("batches").asInt());
            double source = r.get("sourceImagesPerSecond").asDouble();
            assertTrue(source > 0);
            assertEquals(2 * source, r.get("viewImagesPerSecond").asDouble(), 1e-9 * source, "two views per image");
        }
    }
}
