package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.SavedBackbone;
import io.github.dl4jssl.train.LabelEfficiencyResult;
import io.github.dl4jssl.train.RunReport;
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
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class EvalCommandTest {

    private static final List<String> SMALL = List.of("--eval-train-subset", "200", "--eval-test-subset", "60",
            "--linear-epochs", "2", "--seed", "4");

    @Test
    void wholeGraphAndExtractedBackboneGiveTheSameReport(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
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
        // fine-tuning's baseline: the same classifier from random weights, on the same labels
        assertTrue(a.randomFineTuneTop1 > 0 && a.randomFineTuneTop1 <= 1 && a.randomFineTuneTop5 >= a.randomFineTuneTop1);
        assertEquals(0.0, b.randomFineTuneTop1, "no fine-tuning asked for, no baseline");
        assertEquals(1, a.fineTuneEpochs);
        // the same weights, read from the whole graph or from the extracted backbone
        SameEvaluation.assertSameEvaluation(a, b);
        assertEquals(0, b.fineTuneEpochs);
        // collapse metrics of the evaluated backbone on the (60) test images, the same through both files
        assertEquals(RunReport.EQUATION_2, a.collapseMetric);
        assertTrue(a.collapseAuc > 0.5 && a.collapseAuc < a.varianceAuc, a.collapseAuc + " vs " + a.varianceAuc);
        // and what `collapse --model` prints for the same backbone and images
        java.io.StringWriter out = new java.io.StringWriter();
        assertEquals(0, Dl4jSsl.execute(new java.io.PrintWriter(out, true), new java.io.PrintWriter(new java.io.StringWriter(), true),
                "collapse", "--model", backbone.toString(), "--images", "60", "--json"));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString());
        assertEquals(b.collapseAuc, json.get("collapseAuc").asDouble(), 0.0);
        assertEquals(b.varianceAuc, json.get("varianceAuc").asDouble(), 0.0);
        assertEquals(b.rankMe, json.get("rankMe").asDouble(), 0.0);
        assertEquals(60, json.get("samples").asInt());
        // the baselines' range (the helper above found them the same in both reports)
        for (double acc : new double[] {a.knnTop1Standardised, a.rawPixelKnnTop1, a.rawPixelKnnTop1Standardised, a.rawPixelLinearTop1}) {
            assertTrue(acc > 0.3 && acc <= 1.0, "accuracy out of range: " + acc); // 10 classes: chance is 0.1
        }
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
        TestData.requireFashionMnist();
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
        TestData.requireFashionMnist();
        err = CheckpointResumeTest.run(2, List.of("eval", "--model", tmp.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.contains("no backbone.zip or model.zip"), err);
        Path junk = Files.writeString(tmp.resolve("junk.zip"), "not a zip");
        err = CheckpointResumeTest.run(2, List.of("eval", "--model", junk.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.contains("junk.zip") && err.contains("ModelSerializer"), err);
    }
}
