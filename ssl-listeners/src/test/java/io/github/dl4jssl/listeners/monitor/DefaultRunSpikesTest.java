package io.github.dl4jssl.listeners.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * Replays the per-block gradient norms of a healthy run through the monitor's spike detection.
 *
 * <p>The resource {@code simclr-default-gradients.csv} is the block rows of {@code gradients.csv} of the default run
 * {@code ./dl4j-ssl train --method simclr --dataset fashion-mnist} (SimCLR, SmallCnn, 6,000 Fashion-MNIST images,
 * batch 128, 3 epochs of 46 iterations, seed 42), run on 2026-12-01 at commit 0d31594, whose rule flagged a spike
 * when a norm exceeded 3 times the median of the previous 50 (after 5), trimmed to the columns
 * {@code iteration,epoch,name,norm,spike} (awk over the {@code block} rows); {@code spike} is that old rule's flag.
 * That run printed 11 "Gradient spike in block 'first layer'" warnings (9 in the first epoch, 2 in the second).
 */
class DefaultRunSpikesTest {

    /** One block row of the resource. */
    record Row(int iteration, int epoch, String block, double norm, boolean oldSpike) {
    }

    static List<Row> read() throws IOException {
        InputStream in = DefaultRunSpikesTest.class.getResourceAsStream("simclr-default-gradients.csv");
        assertNotNull(in, "test resource simclr-default-gradients.csv");
        List<Row> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            assertEquals("iteration,epoch,name,norm,spike", r.readLine());
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] c = line.split(",");
                rows.add(new Row(Integer.parseInt(c[0]), Integer.parseInt(c[1]), c[2], Double.parseDouble(c[3]),
                        Boolean.parseBoolean(c[4])));
            }
        }
        return rows;
    }

    @Test
    void healthyDefaultRunFlagsAtMostOneSpikePerEpochPerBlock() throws IOException {
        List<Row> rows = read();
        // block names as layer names: each block norm passes through the monitor unchanged
        Map<Integer, Map<String, Double>> byIteration = new TreeMap<>();
        Map<Integer, Integer> epochOf = new TreeMap<>();
        for (Row row : rows) {
            byIteration.computeIfAbsent(row.iteration(), k -> new LinkedHashMap<>()).put(row.block(), row.norm());
            epochOf.put(row.iteration(), row.epoch());
        }
        List<String> blocks = List.of("first layer", "last layer", "backbone", "projector");
        GradientMagnitudeMonitor monitor = GradientMagnitudeMonitor.builder()
                .blockPrefixes(blocks.toArray(String[]::new)).build(); // the default spike detection
        Map<String, Map<Integer, Integer>> newPerEpoch = new LinkedHashMap<>();
        List<String> summaries = new ArrayList<>();
        int epoch = 0;
        for (Map.Entry<Integer, Map<String, Double>> e : byIteration.entrySet()) {
            if (epochOf.get(e.getKey()) != epoch) {
                summaries.add(monitor.epochSummary());
                epoch = epochOf.get(e.getKey());
            }
            GradientMagnitudeMonitor.Measurement m = monitor.record(e.getKey(), epoch, e.getValue());
            assertEquals(blocks, List.copyOf(m.blockNorms().keySet()));
            for (String block : m.spikes()) {
                newPerEpoch.computeIfAbsent(block, k -> new TreeMap<>()).merge(epoch, 1, Integer::sum);
            }
        }
        summaries.add(monitor.epochSummary());
        assertEquals(3, summaries.size(), summaries.toString());
        assertTrue(byIteration.size() >= 3 * 46, "3 epochs of the default run: " + byIteration.size() + " iterations");

        newPerEpoch.forEach((block, perEpoch) -> perEpoch.forEach((ep, n) ->
                assertTrue(n <= 1, n + " spikes in block '" + block + "' in epoch " + ep + ": " + summaries)));

        // the old rule's flags on the same norms: the noise the issue was about
        Map<String, Long> old = new LinkedHashMap<>();
        for (String block : blocks) {
            old.put(block, rows.stream().filter(r -> r.block().equals(block) && r.oldSpike()).count());
        }
        int flagged = monitor.spikeIterations().values().stream().mapToInt(List::size).sum();
        System.out.println("Default run: old rule " + old + ", robust detector " + monitor.spikeIterations() + "; " + summaries);
        assertTrue(old.get("first layer") > 3, "the resource is the noisy series the old rule flagged: " + old);
        assertTrue(flagged < old.values().stream().mapToLong(Long::longValue).sum(), "fewer than the old rule: " + flagged);
    }
}
