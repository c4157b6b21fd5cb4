package io.github.dl4jssl.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.function.Supplier;

/**
 * An on-disk cache of baselines that depend only on the data and the protocol, not on the trained network (the
 * raw-pixel kNN and linear probe, the supervised-from-scratch baseline, and the random initial weights' results, keyed
 * by those weights), so that they are computed once per data set, evaluation size and initialisation. One JSON file
 * per result, named by kind and {@link CacheKey}, written atomically (temporary file, then rename); an unreadable file
 * is recomputed and rewritten with a warning.
 *
 * <p>Directory: {@code --baseline-cache DIR}, else the system property {@value #PROPERTY}, else
 * {@code $XDG_CACHE_HOME/dl4j-ssl/baselines}, else {@code ~/.cache/dl4j-ssl/baselines}; {@code none} turns caching
 * off.
 */
public final class BaselineCache {
    public static final String PROPERTY = "dl4jssl.baselineCache";
    static final String OFF = "none";
    private static final Logger log = LoggerFactory.getLogger(BaselineCache.class);
    private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Null when caching is off. */
    private final Path dir;

    private BaselineCache(Path dir) {
        this.dir = dir;
    }

    /** The cache in {@code option} (null = the default directory; {@value #OFF} = no caching). */
    static BaselineCache at(String option) {
        String chosen = option != null ? option : System.getProperty(PROPERTY);
        if (OFF.equals(chosen)) {
            return new BaselineCache(null);
        }
        return new BaselineCache(chosen != null ? Paths.get(chosen) : defaultDirectory());
    }

    static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("dl4j-ssl").resolve("baselines");
    }

    /** The cache file of a result, or null when caching is off. */
    Path file(String kind, String key) {
        return dir == null ? null : dir.resolve(kind + "-" + key + ".json");
    }

    /**
     * The cached result of {@code kind} under {@code key}, or {@code compute}'s, which is then stored. A cache
     * that cannot be written costs the caching, not the result (a warning says why).
     */
    <T> T get(String kind, String key, Class<T> type, Supplier<T> compute) {
        Path file = file(kind, key);
        if (file != null && Files.isRegularFile(file)) {
            try {
                T cached = mapper.readValue(file.toFile(), type);
                if (cached != null) {
                    log.info("{} baseline from the cache: {}", kind, file);
                    return cached;
                }
            } catch (IOException | RuntimeException e) {
                log.warn("unreadable baseline cache file {} ({}); computing it again", file, e.getMessage());
            }
        }
        T value = compute.get();
        if (file != null) {
            try {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, kind, ".tmp");
                try {
                    mapper.writeValue(tmp.toFile(), value);
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                log.warn("could not write the baseline cache {} ({}); the result is not cached", file, e.getMessage());
            }
        }
        return value;
    }
}
