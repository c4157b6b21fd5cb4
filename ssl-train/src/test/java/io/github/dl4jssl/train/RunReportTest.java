package io.github.dl4jssl.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunReportTest {

    @Test
    void aReportFromBeforeEquation2HasItsAucAsTheVarianceAuc(@TempDir Path dir) throws Exception {
        // the fields of a report.json written before the collapse AUC followed Equation 2
        Path old = Files.writeString(dir.resolve("report.json"), "{\"method\": \"simsiam\", \"knnTop1\": 0.6,"
                + " \"collapseAucPerEpoch\": [0.99, 0.97], \"projectorCollapseAucPerEpoch\": [0.98, 0.96],"
                + " \"rankMePerEpoch\": [30.0, 40.0]}");
        RunReport r = RunReport.read(old);
        assertEquals("simsiam", r.method);
        assertNull(r.collapseMetric);
        assertEquals(List.of(0.99, 0.97), r.varianceAucPerEpoch);
        assertEquals(List.of(0.98, 0.96), r.projectorVarianceAucPerEpoch);
        assertTrue(r.collapseAucPerEpoch.isEmpty(), "the old values are not Equation 2's");
        assertTrue(r.projectorCollapseAucPerEpoch.isEmpty());
        assertEquals(List.of(30.0, 40.0), r.rankMePerEpoch);
    }

    @Test
    void aNewReportRoundTrips(@TempDir Path dir) throws Exception {
        RunReport r = new RunReport();
        r.collapseMetric = RunReport.EQUATION_2;
        r.collapseNormalized = true;
        r.collapseAucPerEpoch.addAll(List.of(0.8, 0.7));
        r.varianceAucPerEpoch.addAll(List.of(0.99, 0.98));
        r.collapseAuc = 0.7;
        r.write(dir.resolve("report.json"));
        RunReport back = RunReport.read(dir.resolve("report.json"));
        assertEquals(List.of(0.8, 0.7), back.collapseAucPerEpoch);
        assertEquals(List.of(0.99, 0.98), back.varianceAucPerEpoch);
        assertEquals(0.7, back.collapseAuc);
        assertTrue(back.collapseNormalized);
    }
}
