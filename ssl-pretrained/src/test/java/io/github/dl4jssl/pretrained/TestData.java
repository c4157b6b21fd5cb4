package io.github.dl4jssl.pretrained;

import io.github.dl4jssl.zoo.data.FashionMnist;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The external data the ssl-pretrained tests need: a missing data set skips the test on a developer's machine and
 * fails it where the system property {@value #REQUIRE} is {@code true} (CI), as in the other modules.
 */
final class TestData {
    static final String REQUIRE = "require.data";

    private TestData() {
    }

    static void requireFashionMnist() {
        if (Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte.gz"))
                && Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("t10k-images-idx3-ubyte.gz"))) {
            return;
        }
        String what = "Fashion-MNIST (Debian package dataset-fashion-mnist) in " + FashionMnist.DEFAULT_DIR;
        if (Boolean.getBoolean(REQUIRE)) {
            fail(what + " is missing, and -D" + REQUIRE + "=true requires it: install it (.ci/run does)");
        }
        Assumptions.abort(what + " is missing: test skipped (with -D" + REQUIRE + "=true it fails instead)");
    }
}
