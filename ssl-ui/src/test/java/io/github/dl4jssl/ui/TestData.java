package io.github.dl4jssl.ui;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The external programs the ssl-ui tests need. A missing one skips the test on a developer's machine and fails it
 * where the system property {@value #REQUIRE} is {@code true} (CI: {@code .ci/run} passes {@code -Drequire.data=true}),
 * so that CI cannot pass by skipping.
 */
final class TestData {
    /** The system property that turns a missing program or data set into a failure. */
    static final String REQUIRE = "require.data";

    private TestData() {
    }

    /** Skips (or, under {@code -Drequire.data=true}, fails) the test unless headless Chromium is installed. */
    static void requireChromium() {
        if (Files.isExecutable(HeadlessChromium.BINARY)) {
            return;
        }
        String what = "Chromium (Debian package chromium) at " + HeadlessChromium.BINARY;
        if (Boolean.getBoolean(REQUIRE)) {
            fail(what + " is missing, and -D" + REQUIRE + "=true requires it: install it (.ci/run does)");
        }
        Assumptions.abort(what + " is missing: test skipped (with -D" + REQUIRE + "=true it fails instead)");
    }
}
