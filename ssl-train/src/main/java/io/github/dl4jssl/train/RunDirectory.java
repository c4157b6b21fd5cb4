package io.github.dl4jssl.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The run directory of {@code train}: a new default one that no other process gets (even one started in the
 * same second), and the rule that a run never writes over another run's files: a directory that holds anything
 * is refused unless {@code --overwrite} is given, which removes the files a run writes ({@link #RUN_FILES}) and
 * nothing else. A run counts as finished once its {@value #REPORT} exists, the last file it writes.
 */
public final class RunDirectory {
    /** The report of a finished run: written last, so its presence means the run finished. */
    public static final String REPORT = "report.json";
    /** Everything a {@code train} run writes into its directory (files and the checkpoints folder). */
    static final List<String> RUN_FILES = List.of(REPORT, "model.zip", "backbone.zip", "history.csv", "knn.csv",
            "collapse.csv", "gradients.csv", "loss.png", "knn.png", "gradients.png", "fluctuation.png", "collapse.png",
            "collapse-projector.png", TrainingRun.SPEC_FILE, TrainingRun.COMMAND_FILE, Checkpoints.DIR, TrainingUi.STATS_FILE);

    private RunDirectory() {
    }

    /**
     * Creates {@code parent/<yyyyMMdd-HHmmss>}, or with a suffix {@code -2}, {@code -3}, ... when that exists: the
     * creation is atomic, so two processes started in the same second get two directories.
     */
    public static Path createDefault(Path parent) throws IOException {
        OutputDirectory.prepare(parent);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        for (int n = 1; ; n++) {
            Path dir = parent.resolve(n == 1 ? stamp : stamp + "-" + n);
            try {
                return Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                // taken by an earlier run or a concurrent one: try the next suffix
            }
        }
    }

    /**
     * Makes sure a new run may write into {@code dir} (call it holding the directory's {@link RunLock}).
     *
     * @param overwrite {@code --overwrite}: remove an earlier run's files instead of refusing
     * @throws IllegalArgumentException naming what the directory holds and the ways out
     */
    static void claim(Path dir, boolean overwrite) throws IOException {
        List<String> held = contents(dir);
        if (held.isEmpty()) {
            return;
        }
        if (!overwrite) {
            String what = Files.exists(dir.resolve(REPORT)) ? "a finished run"
                    : (Files.exists(dir.resolve(TrainingRun.SPEC_FILE)) || Files.exists(dir.resolve(TrainingRun.COMMAND_FILE))) ? "an unfinished checkpointed run (continue it with"
                    + " ./dl4j-ssl train --resume " + dir + ")" : "files";
            throw new IllegalArgumentException("the output directory " + dir + " already holds " + what + ": "
                    + String.join(", ", held.subList(0, Math.min(6, held.size()))) + (held.size() > 6 ? ", ..." : "")
                    + "; choose another --out, or give --overwrite to replace the earlier run's files");
        }
        for (String name : RUN_FILES) {
            deleteTree(dir.resolve(name));
        }
    }

    /** True when {@code dir} holds a finished run. */
    public static boolean finished(Path dir) { return Files.isRegularFile(dir.resolve(REPORT)); }

    /**
     * True when {@code dir} holds a {@code train} run, finished or not: any of its files, except a
     * {@value #REPORT} that {@code eval} wrote (one with its {@code model} field set).
     */
    public static boolean holdsTrainingRun(Path dir) {
        for (String name : RUN_FILES) {
            if (!name.equals(REPORT) && Files.exists(dir.resolve(name))) {
                return true;
            }
        }
        if (!Files.exists(dir.resolve(REPORT))) {
            return false;
        }
        try {
            return RunReport.read(dir.resolve(REPORT)).model == null;
        } catch (IOException e) {
            return true; // not a report eval wrote: leave it alone
        }
    }

    /** The names in {@code dir} other than the lock file: a run's files first (report first), then the others. */
    private static List<String> contents(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(RunLock.FILE))
                    .sorted(Comparator.comparing((String n) -> RUN_FILES.contains(n) ? RUN_FILES.indexOf(n) : RUN_FILES.size())
                            .thenComparing(Comparator.naturalOrder()))
                    .collect(Collectors.toList());
        }
    }

    /** Deletes a file or a directory with everything in it; nothing if it does not exist. */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
