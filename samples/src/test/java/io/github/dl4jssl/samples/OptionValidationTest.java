package io.github.dl4jssl.samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train} options that are wrong on their own are refused before any data is loaded and before the run
 * directory is created: every case here points {@code --data} at a folder that does not exist (loading it would be
 * a different error) and checks that {@code --out} was not created.
 */
class OptionValidationTest {

    /** Runs train with {@code args} on a missing image folder; asserts exit 2, no stack trace, no run directory. */
    private static String refused(Path tmp, String... args) {
        Path out = tmp.resolve("run");
        List<String> all = new ArrayList<>(List.of("train", "--dataset", "folder", "--data", tmp.resolve("no-such-folder").toString(),
                "--out", out.toString()));
        all.addAll(List.of(args));
        String err = Cli.run(2, all.toArray(String[]::new));
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertFalse(err.contains("no-such-folder"), "refused before the data is loaded: " + err);
        assertFalse(Files.exists(out), "a refused start creates no run directory: " + err);
        return err;
    }

    @Test
    void learningRatesThatCannotTrain(@TempDir Path tmp) {
        for (String lr : new String[] {"-1", "0", "NaN", "Infinity", "-0.0"}) {
            String err = refused(tmp, "--lr", lr);
            assertTrue(err.contains("--lr must be a positive finite number") && err.contains(lr.replace("-0.0", "-0.0")), err);
        }
    }

    @Test
    void temperaturesThatCannotBeUsed(@TempDir Path tmp) {
        for (String t : new String[] {"0", "-0.5", "NaN"}) {
            assertTrue(refused(tmp, "--temperature", t).contains("--temperature must be a positive finite number"));
        }
    }

    @Test
    void cropScalesOutsideTheUnitInterval(@TempDir Path tmp) {
        for (String c : new String[] {"0", "-0.1", "1.5", "NaN"}) {
            assertTrue(refused(tmp, "--crop-scale", c).contains("--crop-scale must lie in (0, 1]"), c);
        }
    }

    /** Seed 0 does not repeat in ND4J ({@code NetworkSeedTest}), so {@code train} refuses it before any work. */
    @Test
    void seedZero(@TempDir Path tmp) {
        String err = refused(tmp, "--seed", "0");
        assertTrue(err.contains("--seed 0 would not repeat") && err.contains("use any other seed"), err);
    }

    @Test
    void optionsTheMethodDoesNotUse(@TempDir Path tmp) {
        String err = refused(tmp, "--method", "byol", "--temperature", "0.2");
        assertTrue(err.contains("--temperature is not used by --method byol") && err.contains("simclr"), err);
        err = refused(tmp, "--method", "simsiam", "--temperature", "0.2");
        assertTrue(err.contains("--temperature is not used by --method simsiam"), err);
        err = refused(tmp, "--method", "simclr", "--queue-size", "256");
        assertTrue(err.contains("--queue-size is not used by --method simclr") && err.contains("mocov2"), err);
        err = refused(tmp, "--method", "mocov3", "--queue-size", "256");
        assertTrue(err.contains("--queue-size is not used by --method mocov3"), err);
        err = refused(tmp, "--method", "simclr", "--symmetric-loss");
        assertTrue(err.contains("--symmetric-loss is not used by --method simclr") && err.contains("mocov2"), err);
        err = refused(tmp, "--method", "simsiam", "--momentum", "0.9");
        assertTrue(err.contains("--momentum is not used by --method simsiam") && err.contains("no momentum encoder"), err);
    }

    @Test
    void optionsTheBackboneRegimeDataSetOrUiDoNotUse(@TempDir Path tmp) {
        assertTrue(refused(tmp, "--vit-depth", "2").contains("--vit-depth is not used by --backbone small-cnn"));
        assertTrue(refused(tmp, "--freeze-patch-embedding").contains("--freeze-patch-embedding is not used by --backbone small-cnn"));
        assertTrue(refused(tmp, "--backbone", "vit-tiny", "--width-multiplier", "0.5")
                .contains("--width-multiplier is not used by --backbone vit-tiny"));
        assertTrue(refused(tmp, "--chunk-size", "100").contains("--chunk-size is not used by --regime multi-epoch"));
        assertTrue(refused(tmp, "--regime", "continual", "--passes", "3").contains("--passes is not used by --regime continual"));
        assertTrue(refused(tmp, "--ui-port", "0").contains("--ui-port is not used without --ui"));
        String err = Cli.run(2, "train", "--image-size", "64", "--out", tmp.resolve("run").toString());
        assertTrue(err.contains("--image-size is not used by --dataset fashion-mnist"), err);
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void badNamesAndCountsBeforeTheDataLoads(@TempDir Path tmp) {
        String err = refused(tmp, "--backbone", "vgg");
        assertTrue(err.contains("unknown --backbone 'vgg'") && err.contains("resnet18-cifar"), err);
        assertTrue(refused(tmp, "--workers", "-1").contains("--workers must be at least 0"));
        assertTrue(refused(tmp, "--layers", "cuda").contains("unknown --layers 'cuda'"));
        assertTrue(refused(tmp, "--width-multiplier", "0").contains("--width-multiplier must be a positive finite number"));
        assertTrue(refused(tmp, "--linear-epochs", "0").contains("--linear-epochs must be at least 1"));
        assertTrue(refused(tmp, "--nan-policy", "ignore").contains("unknown --nan-policy 'ignore'"));
        assertTrue(refused(tmp, "--checkpoint-every", "0").contains("--checkpoint-every must be at least 1"));
        assertTrue(refused(tmp, "--holdout", "1.5").contains("--holdout must be in (0, 1)"));
        assertTrue(refused(tmp, "--channels", "2").contains("--channels must be 1"));
        assertTrue(refused(tmp, "--max-image-pixels", "0").contains("--max-image-pixels must be at least 1"));
        assertTrue(refused(tmp, "--ui", "--ui-port", "70000").contains("--ui-port must be in 0..65535"));
    }
}
