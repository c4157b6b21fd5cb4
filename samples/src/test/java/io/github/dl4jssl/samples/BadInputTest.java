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

    @Test
    void batchSizesThatCannotFormPairs(@TempDir Path out) {
        for (String b : new String[] {"0", "1", "-4"}) {
            String err = refused("train", "--batch-size", b, "--out", out.toString());
            assertTrue(err.contains("--batch-size must be at least 2") && err.contains("negatives"), err);
        }
    }

    @Test
    void batchLargerThanTheTrainingSet(@TempDir Path out) {
        TestData.requireFashionMnist();
        String err = refused("train", "--train-subset", "100", "--batch-size", "128", "--out", out.toString());
        assertTrue(err.contains("--batch-size 128") && err.contains("100 images"), err);
    }

    @Test
    void momentumOutsideTheUnitInterval(@TempDir Path out) {
        for (String m : new String[] {"1.5", "-0.1", "NaN"}) {
            String err = refused("train", "--method", "mocov2", "--momentum", m, "--out", out.toString());
            assertTrue(err.contains("--momentum must be in [0, 1]"), err);
        }
    }

    @Test
    void momentumForAMethodWithoutMomentumEncoder(@TempDir Path out) {
        TestData.requireFashionMnist();
        String err = refused("train", "--method", "simsiam", "--momentum", "0.9", "--out", out.toString());
        assertTrue(err.contains("no momentum encoder") && err.contains("mocov2"), err);
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
        String err = refused("train", "--method", "swav", "--out", out.toString());
        assertTrue(err.contains("swav") && err.contains("byol") && err.contains("simsiam"), err);
        err = refused("train", "--dataset", "imagenet", "--out", out.toString());
        assertTrue(err.contains("imagenet") && err.contains("fashion-mnist"), err);
        err = refused("eval", "--model", out.toString(), "--dataset", "mnist3d", "--out", out.toString());
        assertTrue(err.contains("mnist3d") && err.contains("fashion-mnist"), err);
    }
}
