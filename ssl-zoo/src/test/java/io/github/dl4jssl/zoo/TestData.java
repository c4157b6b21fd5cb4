package io.github.dl4jssl.zoo;

import io.github.dl4jssl.zoo.data.FashionMnist;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The external data the ssl-zoo tests need. A missing piece skips the test on a developer's machine and fails it
 * where the system property {@value #REQUIRE} is {@code true} (CI: {@code .ci/run} passes {@code -Drequire.data=true}),
 * so that CI cannot pass by skipping.
 */
public final class TestData {
    /** The system property that turns a missing data set into a failure. */
    public static final String REQUIRE = "require.data";

    private TestData() {
    }

    /** Skips (or, under {@code -Drequire.data=true}, fails) the test unless Fashion-MNIST is installed. */
    public static void requireFashionMnist() {
        boolean present = Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte.gz"))
                && Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("t10k-images-idx3-ubyte.gz"));
        if (present) {
            return;
        }
        String what = "Fashion-MNIST (Debian package dataset-fashion-mnist) in " + FashionMnist.DEFAULT_DIR;
        if (Boolean.getBoolean(REQUIRE)) {
            fail(what + " is missing, and -D" + REQUIRE + "=true requires it: install it (.ci/run does)");
        }
        Assumptions.abort(what + " is missing: test skipped (with -D" + REQUIRE + "=true it fails instead)");
    }
}
