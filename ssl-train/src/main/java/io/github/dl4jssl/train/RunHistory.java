package io.github.dl4jssl.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The per-epoch history of a {@link TrainingRun}: {@code history.csv} (epoch, training loss, kNN monitor top-1; epoch 0
 * is the random initialisation) and its plots {@code loss.png} and {@code knn.png}.
 */
final class RunHistory {
    private RunHistory() {
    }

    static void write(Path outDir, RunReport report) throws IOException {
        StringBuilder csv = new StringBuilder("epoch,loss,knn_monitor_top1\n");
        for (int e = 0; e < report.knnMonitorPerEpoch.size(); e++) {
            csv.append(e).append(',').append(e == 0 ? "" : report.lossPerEpoch.get(e - 1)).append(',')
                    .append(report.knnMonitorPerEpoch.get(e)).append('\n');
        }
        Files.writeString(outDir.resolve("history.csv"), csv);
        List<Integer> epochsX = IntStream.rangeClosed(1, report.lossPerEpoch.size()).boxed().collect(Collectors.toList());
        Map<String, List<? extends Number>> loss = new LinkedHashMap<>();
        loss.put("training loss", report.lossPerEpoch);
        Plots.line(outDir.resolve("loss.png"), report.method + " training loss", "epoch", "loss", epochsX, loss);
        List<Integer> knnX = IntStream.range(0, report.knnMonitorPerEpoch.size()).boxed().collect(Collectors.toList());
        Map<String, List<? extends Number>> knn = new LinkedHashMap<>();
        knn.put("kNN top-1", report.knnMonitorPerEpoch.stream().map(v -> 100 * v).collect(Collectors.toList()));
        Plots.line(outDir.resolve("knn.png"), "kNN top-1 accuracy (monitor: " + RunMonitors.MONITOR_BANK + "-image bank, "
                + RunMonitors.MONITOR_TEST + " test images)", "epoch", "accuracy (%)", knnX, knn);
    }
}
