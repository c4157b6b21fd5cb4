package io.github.dl4jssl.samples.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-block rows of a run's {@code gradients.csv} (written by the GradientMagnitudeMonitor): gradient norm
 * and its fluctuation (std / mean over the monitor's sliding window) per block and iteration.
 */
record GradientLog(Map<String, List<double[]>> blocks) {

    /** Rows {iteration, norm, fluctuation} per block, in file order; fluctuation is NaN while the window fills. */
    static GradientLog read(Path csv) throws IOException {
        if (!Files.exists(csv)) {
            throw new IOException("no gradient log " + csv + ": the run was made without the gradient monitor");
        }
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        int it = header.indexOf("iteration"), kind = header.indexOf("kind"), name = header.indexOf("name"),
                norm = header.indexOf("norm"), fluct = header.indexOf("fluctuation");
        if (it < 0 || kind < 0 || name < 0 || norm < 0 || fluct < 0) {
            throw new IOException(csv + ": unexpected header " + header);
        }
        Map<String, List<double[]>> blocks = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",", -1);
            if (!"block".equals(c[kind])) {
                continue;
            }
            blocks.computeIfAbsent(c[name], k -> new ArrayList<>())
                    .add(new double[]{Double.parseDouble(c[it]), Double.parseDouble(c[norm]), parse(c[fluct])});
        }
        return new GradientLog(blocks);
    }

    private static double parse(String v) {
        return v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    /** Mean over the run of a block's fluctuation (rows whose window is full, i.e. finite values). */
    double meanFluctuation(String block) {
        return blocks.getOrDefault(block, List.of()).stream().mapToDouble(r -> r[2]).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    List<Double> iterations(String block) {
        return blocks.getOrDefault(block, List.of()).stream().map(r -> r[0]).toList();
    }

    List<Double> norms(String block) {
        return blocks.getOrDefault(block, List.of()).stream().map(r -> r[1]).toList();
    }
}
