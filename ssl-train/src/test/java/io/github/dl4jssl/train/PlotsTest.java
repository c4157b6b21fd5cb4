package io.github.dl4jssl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    @Test
    void marksAreDrawnOnTheirLineAndUnknownNamesIgnored(@TempDir Path dir) throws Exception {
        List<Integer> x = List.of(0, 1, 2, 3, 4);
        Map<String, List<? extends Number>> series = new LinkedHashMap<>();
        series.put("first layer", List.of(1.0, 1.1, 5.0, 1.0, 0.9));
        series.put("backbone", List.of(2.0, 2.1, 2.0, 1.9, 2.0));
        Path none = dir.resolve("none.png");
        Path unknown = dir.resolve("unknown.png");
        Path marked = dir.resolve("marked.png");
        Plots.line(none, "t", "iteration", "norm", x, series, Map.of(), "spike");
        Plots.line(unknown, "t", "iteration", "norm", x, series, Map.of("projector", List.of(2), "backbone", List.of()), "spike");
        Plots.line(marked, "t", "iteration", "norm", x, series, Map.of("first layer", List.of(2)), "spike");
        byte[] a = Files.readAllBytes(none);
        assertTrue(a.length > 1000 && a[1] == 'P' && a[2] == 'N' && a[3] == 'G');
        assertArrayEquals(a, Files.readAllBytes(unknown), "marks of no series draw nothing");
        assertFalse(Arrays.equals(a, Files.readAllBytes(marked)), "the spike is marked");
    }
}
