package io.github.dl4jssl.ui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a page in headless Chromium (Debian package {@code chromium}) and returns the DOM after its scripts ran
 * ({@code --dump-dom} with a virtual-time budget: virtual time stands still while requests are pending, so the
 * page's fetches complete before the budget ends), or photographs it ({@code --screenshot}). No network beyond the
 * loopback server is used.
 */
final class HeadlessChromium {

    static final Path BINARY = Paths.get("/usr/bin/chromium");

    /** One data point drawn on a chart: an SVG circle. */
    record Point(String chart, String series, double x, double y) {
    }

    private HeadlessChromium() {
    }

    static String dumpDom(String url, Path userDataDir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("dom", ".html");
        try {
            run(userDataDir, out, List.of("--virtual-time-budget=3000", "--dump-dom", url));
            String dom = Files.readString(out, StandardCharsets.UTF_8);
            if (dom.isEmpty()) {
                throw new IllegalStateException("chromium returned an empty DOM for " + url);
            }
            return dom;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Photographs the page at {@code url} into the PNG file {@code png}, {@code width} x {@code height} pixels. */
    static void screenshot(String url, Path userDataDir, Path png, int width, int height) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(userDataDir, null, List.of("--hide-scrollbars", "--window-size=" + width + "," + height,
                "--virtual-time-budget=10000", "--screenshot=" + png.toAbsolutePath(), url));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IllegalStateException("chromium wrote no screenshot of " + url + " to " + png);
        }
    }

    /** Runs headless Chromium with {@code args}, standard output to {@code out} (or discarded), within 45 s. */
    private static void run(Path userDataDir, Path out, List<String> args) throws IOException, InterruptedException {
        Path err = Files.createTempFile("chromium", ".log");
        try {
            List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + userDataDir));
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
            pb.redirectOutput(out != null ? ProcessBuilder.Redirect.to(out.toFile()) : ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            if (!p.waitFor(45, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("chromium did not finish in 45 s; log: " + Files.readString(err));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("chromium exited with " + p.exitValue() + "; log: " + Files.readString(err));
            }
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static final Pattern SVG = Pattern.compile("<svg[^>]*data-chart=\"(\\w+)\"(.*?)</svg>", Pattern.DOTALL);
    private static final Pattern CIRCLE = Pattern.compile("<circle([^>]*)>");

    /** @return the charts' data points, by chart id, in document order */
    static Map<String, List<Point>> points(String dom) {
        Map<String, List<Point>> out = new LinkedHashMap<>();
        Matcher svg = SVG.matcher(dom);
        while (svg.find()) {
            List<Point> pts = out.computeIfAbsent(svg.group(1), c -> new ArrayList<>());
            Matcher c = CIRCLE.matcher(svg.group(2));
            while (c.find()) {
                String a = c.group(1);
                pts.add(new Point(svg.group(1), unescape(attr(a, "data-series")), Double.parseDouble(attr(a, "data-x")),
                        Double.parseDouble(attr(a, "data-y"))));
            }
        }
        return out;
    }

    private static String attr(String attrs, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=\"([^\"]*)\"").matcher(attrs);
        if (!m.find()) {
            throw new IllegalStateException("circle without " + name + ": " + attrs);
        }
        return m.group(1);
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }
}
