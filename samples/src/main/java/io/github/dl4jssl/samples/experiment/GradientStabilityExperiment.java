package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.Plots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code gradient-stability}: Pham et al. 2022 monitor the gradient magnitude per block and find that the final
 * blocks (the projector) fluctuate most and that a momentum encoder damps them. SimCLR with and without an EMA
 * target; the fluctuation (std / mean of the gradient L2 norm over a sliding window) of every block, averaged
 * over the run, from each run's {@code gradients.csv}.
 */
public final class GradientStabilityExperiment extends MethodComparison {

    static final List<String> METHODS = List.of("simclr", "simclr-ema", "simclr-ema-projector");
    static final int TRAIN_IMAGES = 4000;
    static final int EPOCHS = 3;

    public GradientStabilityExperiment() {
        super("gradient-stability",
                "Pham et al. 2022. Claims tested: the final blocks (the projector) show the largest gradient-norm "
                + "fluctuation during training, and an EMA target damps it. Variants: " + String.join(", ", METHODS)
                + "; fluctuation = std / mean of the block's gradient L2 norm over the monitor's sliding window, averaged "
                + "over the run (MoCo v3 watches the first layer too).",
                3, METHODS, TRAIN_IMAGES, EPOCHS);
    }

    @Override
    public String summarize(List<FinishedRun> runs, Path outDir) throws IOException {
        Map<String, Map<String, List<Double>>> fluctuation = new LinkedHashMap<>(); // method -> block -> per seed
        Set<String> blocks = new LinkedHashSet<>();
        Map<String, GradientLog> firstSeedLogs = new LinkedHashMap<>();
        for (FinishedRun r : runs) {
            GradientLog log = GradientLog.read(r.dir().resolve("gradients.csv"));
            String m = r.factor("method");
            firstSeedLogs.putIfAbsent(m, log);
            for (String b : log.blocks().keySet()) {
                blocks.add(b);
                fluctuation.computeIfAbsent(m, k -> new LinkedHashMap<>()).computeIfAbsent(b, k -> new ArrayList<>())
                        .add(log.meanFluctuation(b));
            }
        }
        List<String> blockList = new ArrayList<>(blocks);
        List<String> columns = new ArrayList<>(List.of("method"));
        blockList.forEach(b -> columns.add(b + " fluctuation"));
        columns.add("most fluctuating block");
        Table table = new Table(columns.toArray(new String[0]));
        Map<String, List<? extends Number>> bars = new LinkedHashMap<>();
        Map<String, String> argmax = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, List<Double>>> e : fluctuation.entrySet()) {
            List<Object> row = new ArrayList<>(List.of(e.getKey()));
            List<Double> values = new ArrayList<>();
            String top = null;
            for (String b : blockList) {
                double v = Stats.mean(e.getValue().getOrDefault(b, List.of()));
                values.add(v);
                row.add(Table.num(v, 3));
                if (Double.isFinite(v) && (top == null || v > Stats.mean(e.getValue().get(top)))) {
                    top = b;
                }
            }
            argmax.put(e.getKey(), top);
            row.add(top);
            table.row(row.toArray());
            bars.put(e.getKey(), values);
        }
        table.writeCsv(outDir.resolve("fluctuation.csv"));
        Plots.bars(outDir.resolve("fluctuation.png"), "Gradient-norm fluctuation per block (mean over the run)",
                "std / mean", blockList, bars, Map.of());
        for (String b : blockList) {
            Map<String, List<? extends Number>> norms = new LinkedHashMap<>();
            List<Double> x = null;
            for (Map.Entry<String, GradientLog> e : firstSeedLogs.entrySet()) {
                if (x == null || e.getValue().iterations(b).size() == x.size()) {
                    x = x == null ? e.getValue().iterations(b) : x;
                    norms.put(e.getKey(), e.getValue().norms(b));
                }
            }
            if (x != null && !x.isEmpty()) {
                Plots.line(outDir.resolve("norm-" + b.replace(' ', '-') + ".png"), "Gradient L2 norm: " + b + " (first seed)",
                        "iteration", "||grad||", x, norms);
            }
        }
        StringBuilder md = new StringBuilder("## Results\n\n").append(table.markdown())
                .append("\n![fluctuation](fluctuation.png)\n\n");
        blockList.forEach(b -> md.append("![").append(b).append("](norm-").append(b.replace(' ', '-')).append(".png)\n"));
        md.append("\n## What the runs show\n\n");
        String projector = blockList.contains("projector") ? "projector" : null;
        for (Map.Entry<String, String> e : argmax.entrySet()) {
            md.append("- ").append(e.getKey()).append(": the most fluctuating block is **").append(e.getValue()).append("**")
                    .append(projector == null ? "" : e.getValue().equals(projector) ? " (as the paper says)" : " (the paper expects the projector)")
                    .append(".\n");
        }
        if (projector != null && fluctuation.containsKey("simclr")) {
            double base = Stats.mean(fluctuation.get("simclr").get(projector));
            for (String m : fluctuation.keySet()) {
                if (!m.equals("simclr") && fluctuation.get(m).containsKey(projector)) {
                    double v = Stats.mean(fluctuation.get(m).get(projector));
                    md.append(String.format("- projector fluctuation, %s vs simclr: %.3f vs %.3f (%s).%n", m, v, base,
                            v < base ? "damped, as the paper says" : "not damped"));
                }
            }
        }
        return md.toString();
    }
}
