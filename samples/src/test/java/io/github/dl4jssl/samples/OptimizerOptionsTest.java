package io.github.dl4jssl.samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train}'s optimizer options on the command line (what they give each method: {@code MethodSetupTest} in ssl-train). */
class OptimizerOptionsTest {

    @Test
    void cliRefusesABadOptimizerBeforeAnyWork(@TempDir Path out) {
        String err = CheckpointResumeTest.run(2, List.of("train", "--optimizer", "lars", "--trust-coefficient", "-1",
                "--out", out.toString()));
        assertTrue(err.contains("--trust-coefficient must be a positive number") && !err.contains("\tat "), err);
    }
}
