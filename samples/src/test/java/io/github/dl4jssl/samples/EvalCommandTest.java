package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.method.SimClr;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EvalCommandTest {

    private static final Path FASHION = Paths.get("/usr/share/datasets/fashion-mnist");
    private static final List<String> SMALL = List.of("--eval-train-subset", "200", "--eval-test-subset", "60",
            "--linear-epochs", "2", "--seed", "4");

    @Test
    void wholeGraphAndExtractedBackboneGiveTheSameReport(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.exists(FASHION.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        SmallCnn cnn = new SmallCnn(28, 28, 1);
        ComputationGraph simclr = new SimClr.Builder().backbone(cnn).seed(9).build().init();
        Path run = Files.createDirectories(tmp.resolve("run"));
        ModelSerializer.writeModel(simclr, run.resolve("model.zip").toFile(), true);
        Path backbone = tmp.resolve("backbone.zip");
        ComputationGraph extracted = BackboneGraph.extract(simclr, cnn, SslMethod.BACKBONE_PREFIX);
        ModelSerializer.writeModel(extracted, backbone.toFile(), false);

        CheckpointResumeTest.run(0, List.of("eval", "--model", run.toString(), "--fine-tune-epochs", "1",
                "--batch-size", "32", "--out", tmp.resolve("a").toString()), SMALL.toArray(String[]::new));
        CheckpointResumeTest.run(0, List.of("eval", "--model", backbone.toString(), "--out", tmp.resolve("b").toString(),
                "--labels-per-class", "3", "--supervised-images", "60"), SMALL.toArray(String[]::new));
        RunReport a = RunReport.read(tmp.resolve("a/report.json"));
        RunReport b = RunReport.read(tmp.resolve("b/report.json"));
        assertEquals("small-cnn", a.backbone);
        assertEquals(run.resolve("model.zip").toString(), a.model);
        assertEquals(200, a.evalTrainImages);
        assertEquals(60, a.evalTestImages);
        assertEquals(extracted.numParams(), a.parameters);
        for (double acc : new double[] {a.knnTop1, a.linearTop1, a.randomKnnTop1, a.randomLinearTop1, a.fineTuneTop1}) {
            assertTrue(acc >= 0 && acc <= 1.0, "accuracy out of range: " + acc); // untrained weights, 200 images: near chance
        }
        assertTrue(a.linearTop5 >= a.linearTop1 && a.fineTuneTop5 >= a.fineTuneTop1);
        assertEquals(1, a.fineTuneEpochs);
        // the same weights, read from the whole graph or from the extracted backbone
        assertEquals(a.knnTop1, b.knnTop1);
        assertEquals(a.linearTop1, b.linearTop1);
        assertEquals(a.linearTop5, b.linearTop5);
        assertEquals(a.randomKnnTop1, b.randomKnnTop1);
        assertEquals(a.randomLinearTop1, b.randomLinearTop1);
        assertEquals(0, b.fineTuneEpochs);
        // the baselines: random weights (also standardised) and raw pixels, the same in both reports
        assertEquals(a.randomKnnTop1Standardised, b.randomKnnTop1Standardised);
        assertEquals(a.knnTop1Standardised, b.knnTop1Standardised);
        for (double acc : new double[] {a.knnTop1Standardised, a.rawPixelKnnTop1, a.rawPixelKnnTop1Standardised, a.rawPixelLinearTop1}) {
            assertTrue(acc > 0.3 && acc <= 1.0, "accuracy out of range: " + acc); // 10 classes: chance is 0.1
        }
        assertEquals(a.rawPixelKnnTop1, b.rawPixelKnnTop1);
        assertEquals(a.rawPixelLinearTop1, b.rawPixelLinearTop1);
        assertTrue(a.labelEfficiency.isEmpty(), "label efficiency only when asked for");
        assertEquals(1, b.labelEfficiency.size());
        LabelEfficiencyResult row = b.labelEfficiency.get(0);
        assertEquals(3, row.labelsPerClass);
        assertEquals(30, row.labelledImages);
        for (double acc : new double[] {row.linearTop1, row.randomLinearTop1, row.rawPixelLinearTop1, row.supervisedTop1}) {
            assertTrue(acc > 0.0 && acc <= 1.0, "accuracy out of range: " + acc);
        }
    }

    @Test
    void aBackboneForOtherImagesIsRefusedNamingBothSizes(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.exists(FASHION.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        ComputationGraph colour = new ComputationGraph(new SmallCnn(32, 32, 3).standalone(1));
        colour.init();
        Path file = tmp.resolve("backbone.zip");
        ModelSerializer.writeModel(colour, file.toFile(), false);
        String err = CheckpointResumeTest.run(2, List.of("eval", "--model", file.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.contains("3 channel(s)") && err.contains("1x28x28"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);

        ComputationGraph grey = new ComputationGraph(new SmallCnn(32, 32, 1).standalone(1));
        grey.init();
        ModelSerializer.writeModel(grey, file.toFile(), false);
        SavedBackbone.tag(file, new SmallCnn(32, 32, 1)); // as train saves it
        err = CheckpointResumeTest.run(2, List.of("eval", "--model", file.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.contains("1x32x32") && err.contains("1x28x28"), err);
    }

    @Test
    void missingOrForeignModelFilesAreNamed(@TempDir Path tmp) throws Exception {
        String err = CheckpointResumeTest.run(2, List.of("eval", "--model", tmp.resolve("nothing.zip").toString(),
                "--out", tmp.resolve("o").toString()));
        assertTrue(err.contains("nothing.zip") && err.contains("does not exist"), err);
        assumeTrue(Files.exists(FASHION.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        err = CheckpointResumeTest.run(2, List.of("eval", "--model", tmp.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.contains("no backbone.zip or model.zip"), err);
        Path junk = Files.writeString(tmp.resolve("junk.zip"), "not a zip");
        err = CheckpointResumeTest.run(2, List.of("eval", "--model", junk.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.contains("junk.zip") && err.contains("ModelSerializer"), err);
    }
}
