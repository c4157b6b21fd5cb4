package io.github.dl4jssl.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The checkpoints of a run, in {@code <run dir>/checkpoints/}: one directory {@code iter-NNNNNNNN} per
 * checkpoint holding {@code model.zip} (ModelSerializer, with updater state) and {@code state.json}
 * ({@link ResumeState}). A checkpoint is written into a hidden temporary directory beside it and then
 * renamed atomically, so a process killed at any moment leaves either a complete checkpoint or none;
 * temporary leftovers are removed when the store is opened. Only the last {@code keep} are kept.
 */
public final class Checkpoints {
    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);
    public static final String DIR = "checkpoints";
    public static final String MODEL = "model.zip";
    public static final String STATE = "state.json";
    private static final String PREFIX = "iter-";
    private static final String TEMP = ".tmp-";
    private static final String TRASH = ".del-";
    /** Prefix of a damaged checkpoint set aside by a resume: not listed, not deleted. */
    public static final String DAMAGED = "damaged-";

    /**
     * Fault injection for tests: called with a step's name after each file operation of a checkpoint write, where a
     * test can end the write as a killed process would (see {@code CheckpointCrashTest}).
     */
    static Consumer<String> afterStep = step -> { };

    private final Path dir;
    private final int keep;

    /** Opens (and creates) the checkpoint directory of {@code runDir}, removing unfinished writes. */
    public Checkpoints(Path runDir, int keep) throws IOException {
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
        afterStep.accept("temporary directory created");
        ModelSerializer.writeModel(graph, tmp.resolve(MODEL).toFile(), true);
        afterStep.accept("model written");
        state.write(tmp.resolve(STATE));
        afterStep.accept("state written");
        sync(tmp.resolve(MODEL));
        sync(tmp.resolve(STATE)); // on disk before the rename makes them a checkpoint, even through a power cut
        afterStep.accept("synced");
        if (Files.exists(target)) {
            discard(target);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + dir + " cannot rename atomically; put the run on a local disk (--out)", e);
        }
        afterStep.accept("renamed");
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            discard(all.get(i));
        }
        return target;
    }

    /** The complete checkpoints, oldest first. */
    public List<Path> list() throws IOException {
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
    public Optional<Path> latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * A checkpoint to resume from and the newer ones passed over.
     *
     * @param checkpoint the newest checkpoint that reads back completely, or null if none does
     * @param damaged    the newer checkpoints that do not
     * @param skipped    for each of them, what is wrong (naming the file)
     */
    public record Found(Path checkpoint, List<Path> damaged, List<String> skipped) {
    }

    /**
     * Renames the damaged checkpoints of {@code found} to {@value #DAMAGED}{@code iter-N}: kept for inspection, but
     * no longer listed, so that the resumed run's checkpoints and their rotation never count them.
     *
     * @return the new names
     */
    List<Path> setAside(Found found) throws IOException {
        List<Path> moved = new ArrayList<>();
        for (Path damaged : found.damaged()) {
            Path aside = dir.resolve(DAMAGED + name(damaged));
            deleteTree(aside);
            moved.add(Files.move(damaged, aside, StandardCopyOption.ATOMIC_MOVE));
        }
        return moved;
    }

    /**
     * The newest checkpoint whose files read back completely ({@code model.zip}: its zip directory, the entries
     * ModelSerializer needs, and every entry's CRC; {@code state.json}: parses), and why each newer one was
     * skipped: a file truncated or damaged after it was written (the writes themselves are atomic).
     */
    public Found newestReadable() throws IOException {
        List<Path> all = list();
        List<Path> damaged = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            String problem = problem(all.get(i));
            if (problem == null) {
                return new Found(all.get(i), damaged, skipped);
            }
            damaged.add(all.get(i));
            skipped.add(problem);
        }
        return new Found(null, damaged, skipped);
    }

    /** What is wrong with a checkpoint's files, naming the file, or null when they read back completely. */
    public static String problem(Path checkpoint) {
        Path model = checkpoint.resolve(MODEL);
        try (ZipFile zip = new ZipFile(model.toFile())) {
            for (String needed : new String[]{"configuration.json", "coefficients.bin"}) {
                if (zip.getEntry(needed) == null) {
                    return model + " has no " + needed;
                }
            }
            byte[] buffer = new byte[1 << 16];
            for (ZipEntry entry : Collections.list(zip.entries())) {
                CRC32 crc = new CRC32();
                try (InputStream in = zip.getInputStream(entry)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        crc.update(buffer, 0, n);
                    }
                }
                if (entry.getCrc() != -1 && entry.getCrc() != crc.getValue()) {
                    return model + " is damaged: entry " + entry.getName() + " fails its CRC check";
                }
            }
        } catch (IOException e) {
            return model + " is damaged (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
        try {
            ResumeState.read(checkpoint.resolve(STATE));
        } catch (IOException e) {
            return checkpoint.resolve(STATE) + " is damaged (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage().lines().findFirst().orElse("") + ")";
        }
        return null;
    }

    private static void sync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Renames away (atomically), then deletes, so that a half-deleted checkpoint is never listed. */
    private void discard(Path checkpoint) throws IOException {
        Path trash = dir.resolve(TRASH + name(checkpoint));
        deleteTree(trash);
        Files.move(checkpoint, trash, StandardCopyOption.ATOMIC_MOVE);
        afterStep.accept("moved to trash");
        deleteTree(trash);
        afterStep.accept("trash deleted");
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    private static void deleteTree(Path p) {
        try {
            RunDirectory.deleteTree(p);
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not delete {}: {}", p, e.getMessage());
        }
    }
}
