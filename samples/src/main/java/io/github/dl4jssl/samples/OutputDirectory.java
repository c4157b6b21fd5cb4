package io.github.dl4jssl.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The output directory of a command: created if missing, and proven writable by writing a probe file. */
final class OutputDirectory {
    private OutputDirectory() {
    }

    /**
     * @throws IOException naming the directory, the reason and the fix ({@code --out})
     */
    static Path prepare(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".write-test", ""));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException("the output directory " + dir + " cannot be written (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + "); choose a writable directory with --out", e);
        }
        return dir;
    }
}
