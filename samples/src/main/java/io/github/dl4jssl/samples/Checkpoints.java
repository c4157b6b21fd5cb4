package io.github.dl4jssl.samples;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The checkpoints of a run, in {@code <run dir>/checkpoints/}: one directory {@code iter-NNNNNNNN} per
 * checkpoint holding {@code model.zip} (ModelSerializer, with updater state) and {@code state.json}
 * ({@link ResumeState}). A checkpoint is written into a hidden temporary directory beside it and then
 * renamed atomically, so a process killed at any moment leaves either a complete checkpoint or none;
 * temporary leftovers are removed when the store is opened. Only the last {@code keep} are kept.
 */
final class Checkpoints {
    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);
    static final String DIR = "checkpoints";
    static final String MODEL = "model.zip";
    static final String STATE = "state.json";
    private static final String PREFIX = "iter-";
    private static final String TEMP = ".tmp-";
    private static final String TRASH = ".del-";

    private final Path dir;
    private final int keep;

    /** Opens (and creates) the checkpoint directory of {@code runDir}, removing unfinished writes. */
    Checkpoints(Path runDir, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("--keep-checkpoints must be at least 1, got " + keep);
        }
        this.dir = runDir.resolve(DIR);
        this.keep = keep;
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> name(p).startsWith(TEMP) || name(p).startsWith(TRASH)).collect(Collectors.toList())) {
                deleteTree(p);
            }
        }
    }

    Path directory() {
        return dir;
    }

    /**
     * Writes a checkpoint atomically and deletes the oldest beyond {@code keep}.
     *
     * @return the checkpoint's directory
     */
    Path write(ComputationGraph graph, ResumeState state) throws IOException {
        String name = String.format("%s%08d", PREFIX, state.iteration);
        Path tmp = dir.resolve(TEMP + name);
        Path target = dir.resolve(name);
        deleteTree(tmp);
        Files.createDirectories(tmp);
        ModelSerializer.writeModel(graph, tmp.resolve(MODEL).toFile(), true);
        state.write(tmp.resolve(STATE));
        if (Files.exists(target)) {
            discard(target);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + dir + " cannot rename atomically; put the run on a local disk (--out)", e);
        }
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            discard(all.get(i));
        }
        return target;
    }

    /** The complete checkpoints, oldest first. */
    List<Path> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> name(p).startsWith(PREFIX) && Files.isRegularFile(p.resolve(MODEL))
                            && Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparing(Checkpoints::name)).collect(Collectors.toList());
        }
    }

    /** The newest complete checkpoint, if any. */
    Optional<Path> latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Renames away (atomically), then deletes, so that a half-deleted checkpoint is never listed. */
    private void discard(Path checkpoint) throws IOException {
        Path trash = dir.resolve(TRASH + name(checkpoint));
        deleteTree(trash);
        Files.move(checkpoint, trash, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(trash);
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    private static void deleteTree(Path p) throws IOException {
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
        } catch (UncheckedIOException e) {
            log.warn("could not delete {}: {}", p, e.getCause().getMessage());
        }
    }
}
