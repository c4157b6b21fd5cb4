package io.github.dl4jssl.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The output directory of a command: checked before any work ({@link #checkWritable}, which creates nothing, so a
 * refused start leaves no directory behind), then created and proven writable by writing a probe file.
 */
public final class OutputDirectory {
    private OutputDirectory() {
    }

    /**
     * Checks, without creating anything, that {@code dir} is a writable directory or can be created: its nearest
     * existing ancestor must be a writable directory.
     *
     * @throws IOException naming the directory, the reason and the fix ({@code --out})
     */
    public static void checkWritable(Path dir) throws IOException {
        Path existing = dir.toAbsolutePath().normalize();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw cannotWrite(dir, existing == null ? "no existing parent" : existing + " is not a directory", null);
        }
        if (!Files.isWritable(existing)) {
            throw cannotWrite(dir, existing + " is not writable", null);
        }
    }

    /**
     * @throws IOException naming the directory, the reason and the fix ({@code --out})
     */
    public static Path prepare(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".write-test", ""));
        } catch (IOException | UnsupportedOperationException e) {
            throw cannotWrite(dir, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        return dir;
    }

    private static IOException cannotWrite(Path dir, String reason, Exception cause) {
        return new IOException("the output directory " + dir + " cannot be written (" + reason
                + "); choose a writable directory with --out", cause);
    }

    /**
     * Deletes a run directory that a failed start left without results: nothing in it but {@code command.json}, the run
     * lock and empty folders. A directory with any other file is kept.
     */
    static void removeIfUnused(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = files.sorted(Comparator.reverseOrder()).collect(Collectors.toList());
            for (Path p : all) {
                if (Files.isRegularFile(p) && !List.of(TrainingRun.COMMAND_FILE, TrainingRun.SPEC_FILE, RunLock.FILE).contains(p.getFileName().toString())) {
                    return;
                }
            }
            for (Path p : all) {
                Files.delete(p);
            }
        } catch (IOException e) {
            // best effort: the failure that brought us here is what the user needs to see
        }
    }
}
