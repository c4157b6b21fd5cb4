package io.github.dl4jssl.listeners.monitor;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Appends rows to a CSV file, writing the header when the file is new or empty. Each call opens,
 * appends and closes, so the file is complete after every row (readable while training runs) and
 * no handle is held between measurements. Values are written with {@link String#valueOf}; text
 * cells containing a comma, quote or newline are quoted.
 */
final class CsvLog {

    private final Path path;
    private final String header;

    CsvLog(Path path, List<String> columns) {
        this.path = path;
        this.header = join(columns);
    }

    Path path() {
        return path;
    }

    synchronized void append(List<List<?>> rows) {
        if (path == null || rows.isEmpty()) {
            return;
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            boolean needHeader = !Files.exists(path) || Files.size(path) == 0;
            try (BufferedWriter w = Files.newBufferedWriter(path, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                if (needHeader) {
                    w.write(header);
                    w.newLine();
                }
                for (List<?> row : rows) {
                    w.write(join(row));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + path, e);
        }
    }

    private static String join(List<?> cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String s = String.valueOf(cells.get(i));
            if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
                s = '"' + s.replace("\"", "\"\"") + '"';
            }
            sb.append(s);
        }
        return sb.toString();
    }
}
