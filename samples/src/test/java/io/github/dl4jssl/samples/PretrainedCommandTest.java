package io.github.dl4jssl.samples;

import io.github.dl4jssl.pretrained.Pretrained;
import io.github.dl4jssl.pretrained.PretrainedCard;
import io.github.dl4jssl.pretrained.SubsetKnn;
import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.zoo.data.FashionMnist;
import io.github.dl4jssl.zoo.data.LabelledImages;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code pretrained} (list and package) and {@code eval --model pretrained:NAME}. */
class PretrainedCommandTest {
    private static final String NAME = "simclr-small-cnn-fashion-mnist";

    @Test
    void listsEveryShippedBackboneWithItsCard() {
        StringWriter out = new StringWriter();
        assertEquals(0, Dl4jSsl.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "pretrained"));
        for (PretrainedCard card : Pretrained.list()) {
            assertTrue(out.toString().contains(card.name() + ": " + card.method() + " on " + card.backbone()), out.toString());
            assertTrue(out.toString().contains(card.command()) && out.toString().contains(card.codeVersion()), out.toString());
        }
    }

    @Test
    void anUnknownNameIsRefusedBeforeAnyDataIsLoaded(@TempDir Path tmp) {
        String err = Cli.run(2, "eval", "--model", "pretrained:byol-small-cnn", "--data", tmp.resolve("no-data").toString(),
                "--out", tmp.resolve("o").toString());
        assertTrue(err.contains("byol-small-cnn") && err.contains(NAME), err);
        assertFalse(Files.exists(tmp.resolve("o")), "no output directory");
    }

    @Test
    void evalOfAPretrainedBackboneMeasuresItsShippedWeights(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        Cli.run(0, "eval", "--model", "pretrained:" + NAME, "--eval-train-subset", "300", "--eval-test-subset", "100",
                "--linear-epochs", "1", "--out", tmp.toString());
        RunReport report = RunReport.read(tmp.resolve("report.json"));
        assertEquals("pretrained:" + NAME, report.model);
        assertEquals("simclr", report.method);
        assertEquals("small-cnn", report.backbone);
        ComputationGraph shipped = Pretrained.backbone(NAME);
        assertEquals(shipped.numParams(), report.parameters);
        double knn = SubsetKnn.top1(shipped, FashionMnist.loadTrain(), FashionMnist.loadTest(), 300, 100);
        assertEquals(knn, report.knnTop1, 1e-9, "the same kNN as on the shipped weights");
    }

    @Test
    void packageMakesACardAndWeightsFromATrainRun(@TempDir Path tmp) throws Exception {
        TestData.requireFashionMnist();
        Path run = tmp.resolve("run");
        Cli.run(0, "train", "--method", "simclr", "--train-subset", "128", "--epochs", "1", "--batch-size", "32",
                "--eval-train-subset", "300", "--eval-test-subset", "100", "--linear-epochs", "1", "--out", run.toString());
        Path into = Files.createDirectories(tmp.resolve("pretrained"));
        Files.writeString(into.resolve(Pretrained.INDEX), "# names\n");
        String command = "./dl4j-ssl train --method simclr --train-subset 128";
        String[] pack = {"pretrained", "package", "--run", run.toString(), "--name", "tiny-simclr", "--command", command,
                "--code-version", "abc1234", "--check-bank", "300", "--check-test", "100", "--into", into.toString()};
        Cli.run(0, pack);
        Cli.run(0, pack);   // again: the card and weights are replaced, the name listed once

        PretrainedCard card;
        try (var in = Files.newInputStream(into.resolve("tiny-simclr.json"))) {
            card = PretrainedCard.read(in);
        }
        RunReport report = RunReport.read(run.resolve("report.json"));
        assertEquals(List.of("# names", "tiny-simclr"), Files.readAllLines(into.resolve(Pretrained.INDEX)));
        assertEquals(command, card.command());
        assertEquals("abc1234", card.codeVersion());
        assertEquals(List.of(1, 28, 28), card.inputShape());
        assertEquals(128, card.featureSize());
        assertEquals(report.knnTop1, card.evaluation().knnTop1());
        assertEquals(report.rawPixelKnnTop1, card.evaluation().rawPixelKnnTop1());
        assertEquals(report.randomLinearTop1, card.evaluation().randomLinearTop1());
        assertEquals(report.trainSeconds, card.trainSeconds());
        Path weights = into.resolve("tiny-simclr.zip");
        assertEquals(Files.size(weights), card.sizeBytes());
        ComputationGraph packed = ModelSerializer.restoreComputationGraph(weights.toFile(), false);
        LabelledImages train = FashionMnist.loadTrain();
        assertEquals(card.check().knnTop1(), SubsetKnn.top1(packed, train, FashionMnist.loadTest(), 300, 100), 1e-9);
        assertTrue(Files.size(weights) < Files.size(run.resolve("model.zip")), "the backbone alone, without updater state");
    }
}
