package io.github.dl4jssl.samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Bad command-line input is answered with exit code 2 and a message naming the problem and the fix. */
class BadInputTest {

    private static String refused(String... args) {
        String err = CheckpointResumeTest.run(2, List.of(args));
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        return err;
    }

    /** The command line is {@link #refused} with a message that holds every one of {@code parts}. */
    private static void assertRefused(List<String> args, String... parts) {
        String err = refused(args.toArray(String[]::new));
        for (String part : parts) {
            assertTrue(err.contains(part), err);
        }
    }

    @Test
    void batchSizesThatCannotFormPairs(@TempDir Path out) {
        for (String b : new String[] {"0", "1", "-4"}) {
            assertRefused(List.of("train", "--batch-size", b, "--out", out.toString()),
                    "--batch-size must be at least 2", "negatives");
        }
    }

    @Test
    void batchLargerThanTheTrainingSet(@TempDir Path out) {
        TestData.requireFashionMnist();
        assertRefused(List.of("train", "--train-subset", "100", "--batch-size", "128", "--out", out.toString()),
                "--batch-size 128", "100 images");
    }

    @Test
    void momentumOutsideTheUnitInterval(@TempDir Path out) {
        for (String m : new String[] {"1.5", "-0.1", "NaN"}) {
            assertRefused(List.of("train", "--method", "mocov2", "--momentum", m, "--out", out.toString()),
                    "--momentum must be in [0, 1]");
        }
    }

    @Test
    void momentumForAMethodWithoutMomentumEncoder(@TempDir Path out) {
        TestData.requireFashionMnist();
        assertRefused(List.of("train", "--method", "simsiam", "--momentum", "0.9", "--out", out.toString()),
                "no momentum encoder", "mocov2");
    }

    @Test
    void outputDirectoryThatCannotBeWritten(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        for (String command : new String[] {"train", "eval"}) {
            String err = command.equals("train")
                    ? refused("train", "--out", file.resolve("run").toString())
                    : refused("eval", "--model", tmp.toString(), "--out", file.resolve("run").toString());
            assertTrue(err.contains("cannot be written") && err.contains("a-file") && err.contains("--out"), err);
        }
    }

    @Test
    void unknownNamesListTheValidOnes(@TempDir Path out) {
        assertRefused(List.of("train", "--method", "swav", "--out", out.toString()), "swav", "byol", "simsiam");
        assertRefused(List.of("train", "--dataset", "imagenet", "--out", out.toString()), "imagenet", "fashion-mnist");
        assertRefused(List.of("eval", "--model", out.toString(), "--dataset", "mnist3d", "--out", out.toString()),
                "mnist3d", "fashion-mnist");
    }
}
