package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.data.FashionMnist;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The external data the samples tests need. A missing piece skips the test on a developer's machine and fails it
 * where the system property {@value #REQUIRE} is {@code true} (CI: {@code .ci/run} passes {@code -Drequire.data=true}),
 * so that CI cannot pass by skipping.
 */
public final class TestData {
    /** The system property that turns a missing data set into a failure. */
    public static final String REQUIRE = "require.data";
    /** Where the Debian package {@code dataset-fashion-mnist} installs Fashion-MNIST. */
    public static final Path FASHION_MNIST = FashionMnist.DEFAULT_DIR;

    private TestData() {
    }

    /** Skips (or, under {@code -Drequire.data=true}, fails) the test unless Fashion-MNIST is installed. */
    public static void requireFashionMnist() {
        require(Files.isRegularFile(FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"))
                && Files.isRegularFile(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST (Debian package dataset-fashion-mnist) in " + FASHION_MNIST);
    }

    static void require(boolean present, String what) {
        if (present) {
            return;
        }
        if (Boolean.getBoolean(REQUIRE)) {
            fail(what + " is missing, and -D" + REQUIRE + "=true requires it: install it (.ci/run does)");
        }
        Assumptions.abort(what + " is missing: test skipped (with -D" + REQUIRE + "=true it fails instead)");
    }
}
