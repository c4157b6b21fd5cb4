package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.data.FashionMnist;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The training-run API: a spec survives JSON, a bad spec is refused naming the option before anything is done, and a
 * run interrupted mid-training (the process "dies" while writing its second checkpoint) continues through
 * {@link TrainingRun#resume} to exactly the weights and report lists of the uninterrupted run.
 */
class TrainingRunTest {

    /** Thrown by the fault hook: the simulated process ends here. */
    private static final class Death extends Error {
        private static final long serialVersionUID = 1L;
    }

    @AfterEach
    void noHook() {
        Checkpoints.afterStep = step -> { };
    }

    /** A run of a few seconds: 2 epochs of 4 batches of 16 images, a quarter-width small CNN, a checkpoint every 2 steps. */
    static RunSpec.Builder tiny(Path out) {
        return RunSpec.builder().method("byol").epochs(2).trainSubset(64).batchSize(16).widthMultiplier(0.25).workers(0)
                .evalTrainSubset(100).evalTestSubset(50).linearEpochs(1).baselineCache("none").checkpointEvery(2).out(out);
    }

    @Test
    void specSurvivesJsonWithEveryKindOfValue() {
        RunSpec spec = RunSpec.builder().method("mocov2").backbone(" ResNet18-CIFAR ").dataset("folder").data(Path.of("data/imgs"))
                .imageSize(24).channels(1).holdout(0.2).regime("hybrid").passes(3).chunkSize(100).temperature(0.1).queueSize(256)
                .momentum(0.99).optimizer("lars").trustCoefficient(0.002).schedule("warmup-cosine").warmupEpochs(0.5)
                .labelsPerClass(List.of(1, 10)).ui(true).uiPort(0).checkpointEvery(5).nanPolicy("skip").maxSkippedSteps(3)
                .out(Path.of("runs/x")).overwrite(true).build();
        RunSpec back = RunSpec.fromJson(spec.toJson());
        assertEquals(spec, back);
        assertEquals("resnet18-cifar", back.backbone(), "normalised as the registry reads it");
        assertEquals(Path.of("data/imgs"), back.data(), "a relative path stays relative");
        assertEquals(List.of(1, 10), back.labelsPerClass());
        assertEquals(0.002, back.trustCoefficient());
        assertNull(back.widthMultiplierGiven(), "not given stays not given");
        assertEquals(1.0, back.widthMultiplier());
        assertEquals(spec, spec.toBuilder().build(), "toBuilder copies every value");
        assertNotEquals(spec, spec.toBuilder().seed(7).build());
    }

    @Test
    void defaultsAreThoseOfTheCommandLine() {
        RunSpec d = RunSpec.builder().build();
        assertEquals(List.of("simclr", "small-cnn", "fashion-mnist", "multi-epoch", "fused", "stop"),
                List.of(d.method(), d.backbone(), d.dataset(), d.regime(), d.layers(), d.nanPolicy()));
        assertEquals(List.of(3, 128, 10, 3, 9000), List.of(d.epochs(), d.batchSize(), d.linearEpochs(), d.keepCheckpoints(), d.uiPort()));
        assertEquals(42, d.seed());
        assertNull(d.trainSubset(), "the default 12,000 images, or all when fewer");
        assertNull(d.checkpointEvery());
    }

    /**
     * A new run saves the layers it was built with; a saved CNN spec without them was built before the fused default and
     * resumes with native, the default of that time.
     */
    @Test
    void savedSpecsKeepTheLayersTheirRunWasBuiltWith(@TempDir Path dir) {
        RunSpec d = RunSpec.builder().build();
        assertFalse(d.layersGiven());
        assertTrue(RunSpec.fromJson(d.withLayersRecorded().toJson()).layersGiven(), "written into the saved spec");
        assertEquals("fused", RunSpec.fromJson(d.withLayersRecorded().toJson()).layers());
        RunSpec vit = RunSpec.builder().method("mocov3").backbone("vit-tiny").build();
        assertEquals(vit, vit.withLayersRecorded(), "a ViT has no --layers");
        assertEquals("native", TrainingRun.resuming(dir, d, null).spec().layers(), "saved before the fused default");
        assertEquals("fused", TrainingRun.resuming(dir, d.withLayersRecorded(), null).spec().layers());
        assertEquals("dl4j", TrainingRun.resuming(dir, d.toBuilder().layers("dl4j").build(), null).spec().layers());
        assertEquals(vit.layers(), TrainingRun.resuming(dir, vit, null).spec().layers());
    }

    /** BYOL's and MoCo v3's batch size comes from their recipe sweeps unless given; the other methods keep 128. */
    @Test
    void theBatchSizeIsTheMethodsRecipeUnlessGiven() {
        assertEquals(64, RunSpec.builder().method("byol").build().batchSize());
        assertEquals(64, RunSpec.builder().method("mocov3").build().batchSize());
        assertEquals(256, RunSpec.builder().method("byol").batchSize(256).build().batchSize());
        for (String method : List.of("simclr", "simclr-ema-projector", "mocov1", "mocov2", "simsiam")) {
            assertEquals(128, RunSpec.builder().method(method).build().batchSize(), method);
        }
        assertEquals(64, RunSpec.builder().method("byol").build().toBuilder().method("byol").build().batchSize(),
                "a copied spec keeps the resolved size");
    }

    @Test
    void aBadSpecIsRefusedNamingTheOptionAndTheFix() {
        assertRefused(RunSpec.builder().method("byol").temperature(0.2), "--temperature is not used by --method byol", "Remove --temperature");
        assertRefused(RunSpec.builder().method("moco"), "unknown --method 'moco'", "mocov2");
        assertRefused(RunSpec.builder().epochs(0), "--epochs must be at least 1", "got 0");
        assertRefused(RunSpec.builder().uiPort(9001), "--ui-port is not used without --ui", "add --ui");
        assertRefused(RunSpec.builder().backbone("vit-tiny").widthMultiplier(0.5), "--width-multiplier is not used by --backbone vit-tiny", "--vit-width");
        assertRefused(RunSpec.builder().nanPolicy("ignore"), "unknown --nan-policy 'ignore'", "stop, skip");
        assertThrows(IllegalArgumentException.class, () -> RunSpec.fromJson("{\"epochs\": 0}"), "JSON is checked as the builder is");
    }

    private static void assertRefused(RunSpec.Builder b, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void aResumeNeedsTheSpecOfACheckpointedRun(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.resume(dir));
        assertTrue(e.getMessage().contains(TrainingRun.SPEC_FILE) && e.getMessage().contains("--checkpoint-every"), e.getMessage());
        Files.writeString(dir.resolve(TrainingRun.COMMAND_FILE), "[]");
        e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.resume(dir));
        assertTrue(e.getMessage().contains("./dl4j-ssl train --resume " + dir), "an older version's run: " + e.getMessage());
        Files.writeString(dir.resolve(TrainingRun.SPEC_FILE), tiny(dir).build().toJson());
        e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.resuming(dir, b -> b.epochs(5)));
        assertTrue(e.getMessage().contains("saved options"), e.getMessage());
    }

    @Test
    void anInterruptedRunResumesToTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        requireFashionMnist();
        Path straight = tmp.resolve("straight");
        RunReport uninterrupted = TrainingRun.of(tiny(straight).build()).run();

        Path run = tmp.resolve("run");
        int[] renamed = {0};
        Checkpoints.afterStep = step -> {
            if (step.equals("model written") && renamed[0] == 1) {
                throw new Death(); // the second checkpoint is half written: the process dies
            }
            if (step.equals("renamed")) {
                renamed[0]++;
            }
        };
        assertThrows(Death.class, () -> TrainingRun.of(tiny(run).build()).run());
        Checkpoints.afterStep = step -> { };
        assertFalse(RunDirectory.finished(run));
        assertEquals(2, ResumeState.read(run.resolve(Checkpoints.DIR).resolve("iter-00000002").resolve(Checkpoints.STATE)).iteration);

        RunReport resumed = TrainingRun.resume(run);
        assertEquals(resumed.lossPerEpoch, RunReport.read(run.resolve(RunDirectory.REPORT)).lossPerEpoch, "the report is written");
        ComputationGraph a = ModelSerializer.restoreComputationGraph(straight.resolve("model.zip").toFile(), false);
        ComputationGraph b = ModelSerializer.restoreComputationGraph(run.resolve("model.zip").toFile(), false);
        assertEquals(a.params(), b.params(), "the resumed run ends with the uninterrupted run's weights");
        assertEquals(uninterrupted.lossPerEpoch.size(), resumed.lossPerEpoch.size());
        for (int e = 0; e < resumed.lossPerEpoch.size(); e++) {
            assertEquals(uninterrupted.lossPerEpoch.get(e), resumed.lossPerEpoch.get(e), 1e-6, "loss of epoch " + (e + 1));
        }
        assertEquals(uninterrupted.knnMonitorPerEpoch, resumed.knnMonitorPerEpoch);
        assertEquals(uninterrupted.randomKnnTop1, resumed.randomKnnTop1);
        assertEquals(uninterrupted.knnTop1, resumed.knnTop1);
        assertEquals(uninterrupted.linearTop1, resumed.linearTop1);
        assertEquals(resumed.knnTop1, TrainingRun.resume(run).knnTop1, "a finished run's resume returns its report");
    }

    @Test
    void runOrReuseReusesAFinishedRunWithoutTraining(@TempDir Path tmp) throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        RunReport done = new RunReport();
        done.method = "byol";
        done.knnTop1 = 0.5;
        done.write(run.resolve(RunDirectory.REPORT));
        TrainingRun reuse = TrainingRun.of(tiny(run).build());
        assertEquals(0.5, reuse.runOrReuse().knnTop1, "nothing trained: the finished run's report");
        assertEquals(run, reuse.runDir());
        assertFalse(Files.exists(run.resolve("model.zip")));
    }

    /** Skips (or, under {@code -Drequire.data=true}, fails) unless Fashion-MNIST is installed. */
    static void requireFashionMnist() {
        if (Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte.gz"))) {
            return;
        }
        assertFalse(Boolean.getBoolean("require.data"), "Fashion-MNIST is missing, and -Drequire.data=true requires it");
        Assumptions.abort("Fashion-MNIST is missing: test skipped (with -Drequire.data=true it fails instead)");
    }
}
